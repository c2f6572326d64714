"""Each tenant's managed infrastructure register, with every component's change history."""
