"""The business time the service-desk tests start at (fixtures: ``tests/integration``)."""

from datetime import UTC, datetime

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
