"""Request and response bodies of the REST API (strict: unknown fields are refused)."""
