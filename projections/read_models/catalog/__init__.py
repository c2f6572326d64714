"""The service catalog of each tenant."""
