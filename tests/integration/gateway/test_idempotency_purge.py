"""Every gateway process deletes expired idempotency keys in the background, on both backends,
and a purge that fails is retried later rather than stopping the purging."""

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from gateway.api.runtime import GatewayRuntime, _Purger
from tenants.idempotency import SQLITE_FILE_NAME, IdempotencyStore, StoredResponse
from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import gateway_settings
from tests.support.postgres import connect

OLD = datetime(2001, 1, 1, tzinfo=UTC)
TTL = timedelta(hours=24)
DONE = StoredResponse(201, {}, b"{}")


@pytest.fixture
def own_settings(settings: StorageSettings) -> Iterator[StorageSettings]:
    """The backend's settings with a key table of this test's own: its purges can touch no
    other test's keys, nor theirs its own."""
    if settings.backend != "postgres":
        yield settings  # a data directory of its own already
        return
    schema = f"purge_{uuid4().hex[:12]}"
    yield replace(settings, schema=schema)
    with connect(settings) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(own_settings: StorageSettings) -> Iterator[IdempotencyStore]:
    opened = IdempotencyStore(own_settings, ttl=TTL)
    yield opened
    opened.close()


def _keys_stored(settings: StorageSettings) -> set[str]:
    if settings.backend == "postgres":
        with connect(settings) as connection:
            query = f'SELECT key FROM "{settings.schema}".idempotency_keys'
            return {row[0] for row in connection.execute(query)}
    with sqlite3.connect(settings.data_dir / SQLITE_FILE_NAME) as connection:
        return {row[0] for row in connection.execute("SELECT key FROM idempotency_keys")}


def _eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_purger_deletes_expired_keys_over_and_over(
    store: IdempotencyStore, own_settings: StorageSettings
) -> None:
    store.complete(store.reserve("purge", "first", "fp", OLD), DONE)
    store.complete(store.reserve("purge", "second", "fp", OLD + TTL), DONE)
    now = [OLD + TTL]
    assert _keys_stored(own_settings) == {"first", "second"}

    purger = _Purger({"idempotency keys": lambda: store.purge_expired(now[0])}, interval=0.05)
    try:
        assert _eventually(lambda: _keys_stored(own_settings) == {"second"})
        now[0] += TTL
        assert _eventually(lambda: _keys_stored(own_settings) == set())
    finally:
        purger.stop()


def test_a_failed_purge_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def flaky() -> int:
        calls.append(None)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return 3

    with caplog.at_level(logging.INFO, logger="fundament.gateway"):
        purger = _Purger({"idempotency keys": flaky}, interval=0.05)
        try:
            assert _eventually(lambda: len(calls) >= 2)
        finally:
            purger.stop()

    assert "deleting expired idempotency keys failed: the database went away" in caplog.text
    assert "deleted 3 expired idempotency keys" in caplog.text


def test_each_gateway_process_purges_and_stops_purging_when_it_closes(
    own_settings: StorageSettings,
) -> None:
    runtime = GatewayRuntime(gateway_settings(own_settings, idempotency_purge_seconds=600))
    try:
        assert runtime.purger._thread.is_alive()
        assert runtime.purger.purge() == {"idempotency keys": 0}
    finally:
        runtime.close()

    assert not runtime.purger._thread.is_alive()


def test_purging_in_the_background_can_be_left_to_the_operator(
    own_settings: StorageSettings,
) -> None:
    runtime = GatewayRuntime(gateway_settings(own_settings, idempotency_purge_seconds=0))
    try:
        assert not runtime.purger._thread.is_alive()
    finally:
        runtime.close()
