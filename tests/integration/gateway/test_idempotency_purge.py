"""Every gateway process deletes expired idempotency keys in the background, on both backends,
and a purge that fails is retried later rather than stopping the purging."""

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from gateway.api.runtime import GatewayRuntime, _Purger
from gateway.api.settings import GatewaySettings
from tenants.idempotency import IdempotencyStore, StoredResponse
from tenants.settings import StorageSettings

# Long before every other test's times, so purging cannot touch their keys.
OLD = datetime(2001, 1, 1, tzinfo=UTC)
TTL = timedelta(hours=24)
DONE = StoredResponse(201, {}, b"{}")


@pytest.fixture
def store(settings: StorageSettings) -> Iterator[IdempotencyStore]:
    opened = IdempotencyStore(settings, ttl=TTL)
    yield opened
    opened.close()


def _eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_purger_deletes_expired_keys_over_and_over(store: IdempotencyStore) -> None:
    scope = f"purge/{uuid4().hex}"
    store.complete(store.reserve(scope, "first", "fp", OLD), DONE)
    now = [OLD + TTL]
    purger = _Purger({"idempotency keys": lambda: store.purge_expired(now[0])}, interval=0.05)
    try:
        assert _eventually(lambda: store.reserve(scope, "first", "other", now[0]).kind == "new")
        store.complete(store.reserve(scope, "second", "fp", now[0]), DONE)
        now[0] += TTL
        # Gone, so the key is free for any request again, without a 422 for the new body.
        assert _eventually(lambda: store.reserve(scope, "second", "other", now[0]).kind == "new")
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
    gateway_config: GatewaySettings,
) -> None:
    runtime = GatewayRuntime(gateway_config)
    try:
        assert runtime.purger.purge()["idempotency keys"] >= 0
    finally:
        runtime.close()

    assert not runtime.purger._thread.is_alive()
