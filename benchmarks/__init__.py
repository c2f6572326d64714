"""Benchmarks of the command path against a raw PostgreSQL baseline (not shipped code)."""
