"""Call detail of each tenant: the call, its timeline and its workflow tree."""
