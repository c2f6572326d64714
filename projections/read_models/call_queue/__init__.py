"""The call queue of each tenant: open calls by process, status, priority, team and service."""
