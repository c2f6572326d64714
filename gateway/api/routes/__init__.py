"""The REST resources, one router per area."""
