"""The event-flow tests run against a real Kafka-protocol broker and PostgreSQL."""

from collections.abc import Iterator

import pytest

from tests.support.broker import LocalBroker, session_broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """One broker per test process (each xdist worker has its own)."""
    started = session_broker(tmp_path_factory.mktemp("broker")).start()
    yield started
    started.stop()
