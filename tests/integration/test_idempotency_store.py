"""The idempotency key store on both backends: replay, refusals, takeover, expiry, races."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from tenants.idempotency import IdempotencyStore, Reservation, StoredResponse
from tenants.pool import shared_datastore_count
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.conftest import postgres_test_settings

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=24)
PENDING_TIMEOUT = timedelta(seconds=60)
RACERS = 8
CREATED = StoredResponse(
    status=201,
    headers={"Location": "/tenants/acme/calls/42", "Content-Type": "application/json"},
    body=b'{"id": 42, "note": "\xc3\xa9\x00 binary-safe"}',
)


@pytest.fixture
def open_store(settings: StorageSettings) -> Iterator[Callable[[], IdempotencyStore]]:
    """Open stores on ``settings`` (each like another gateway process); close them after."""
    opened: list[IdempotencyStore] = []

    def open_one() -> IdempotencyStore:
        opened.append(IdempotencyStore(settings, ttl=TTL, pending_timeout=PENDING_TIMEOUT))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], IdempotencyStore]) -> IdempotencyStore:
    return open_store()


@pytest.fixture
def scope() -> str:
    # The PostgreSQL test database is shared by every run: keep each test's keys apart.
    return f"t-{uuid4().hex[:12]}/client-1"


def test_a_completed_request_replays_the_same_response(
    open_store: Callable[[], IdempotencyStore], scope: str
) -> None:
    first, other_process = open_store(), open_store()
    reservation = first.reserve(scope, "key-1", "fp-a", T0)
    assert reservation.kind == "new"
    assert first.complete(reservation, CREATED)

    for store in (first, other_process):
        replay = store.reserve(scope, "key-1", "fp-a", T0 + timedelta(hours=1))
        assert replay.kind == "replay"
        assert replay.response == CREATED


def test_the_same_key_with_another_body_is_a_mismatch(store: IdempotencyStore, scope: str) -> None:
    pending = store.reserve(scope, "key-1", "fp-a", T0)
    assert store.reserve(scope, "key-1", "fp-b", T0).kind == "mismatch"
    store.complete(pending, CREATED)
    mismatch = store.reserve(scope, "key-1", "fp-b", T0)
    assert mismatch.kind == "mismatch"
    assert mismatch.response is None


def test_keys_are_separate_per_scope(store: IdempotencyStore, scope: str) -> None:
    assert store.reserve(scope, "key-1", "fp-a", T0).kind == "new"
    assert store.reserve(scope + "-other", "key-1", "fp-b", T0).kind == "new"


def test_a_duplicate_while_the_first_runs_is_in_progress(
    store: IdempotencyStore, scope: str
) -> None:
    store.reserve(scope, "key-1", "fp-a", T0)
    just_before_abandoned = T0 + PENDING_TIMEOUT - timedelta(microseconds=1)
    assert store.reserve(scope, "key-1", "fp-a", just_before_abandoned).kind == "in_progress"


def test_an_abandoned_reservation_is_taken_over_and_its_old_holder_loses_it(
    store: IdempotencyStore, scope: str
) -> None:
    abandoned = store.reserve(scope, "key-1", "fp-a", T0)
    # Another body never takes a key over, abandoned or not.
    assert store.reserve(scope, "key-1", "fp-b", T0 + PENDING_TIMEOUT).kind == "mismatch"
    taken_over = store.reserve(scope, "key-1", "fp-a", T0 + PENDING_TIMEOUT)
    assert taken_over.kind == "new"
    assert taken_over.resumed  # the abandoned request may have stored its result
    assert not abandoned.resumed

    assert not store.release(abandoned)
    assert not store.complete(abandoned, StoredResponse(200, {}, b"stale"))
    assert store.reserve(scope, "key-1", "fp-a", T0 + PENDING_TIMEOUT).kind == "in_progress"
    assert store.complete(taken_over, CREATED)
    assert store.reserve(scope, "key-1", "fp-a", T0 + PENDING_TIMEOUT).response == CREATED


def test_expired_keys_count_as_absent(store: IdempotencyStore, scope: str) -> None:
    store.complete(store.reserve(scope, "key-1", "fp-a", T0), CREATED)
    assert store.reserve(scope, "key-1", "fp-b", T0 + TTL - timedelta(seconds=1)).kind == (
        "mismatch"
    )
    renewed = store.reserve(scope, "key-1", "fp-b", T0 + TTL)
    assert renewed.kind == "new"
    assert not renewed.resumed  # its request completed; this is a new one
    assert store.reserve(scope, "key-1", "fp-b", T0 + TTL).kind == "in_progress"


def test_purge_deletes_only_expired_keys(store: IdempotencyStore, scope: str) -> None:
    # Long before every other test's times, so purging cannot touch their keys.
    old = datetime(2001, 1, 1, tzinfo=UTC)
    store.complete(store.reserve(scope, "old-done", "fp-a", old), CREATED)
    store.reserve(scope, "old-pending", "fp-a", old)
    store.reserve(scope, "recent", "fp-a", old + TTL)

    assert store.purge_expired(old + TTL) >= 2
    assert store.purge_expired(old + TTL) == 0
    assert store.reserve(scope, "recent", "fp-a", old + TTL).kind == "in_progress"


def test_a_released_key_can_be_reserved_afresh(store: IdempotencyStore, scope: str) -> None:
    failed = store.reserve(scope, "key-1", "fp-a", T0)
    assert store.release(failed)
    retry = store.reserve(scope, "key-1", "fp-b", T0)
    assert retry.kind == "new"
    assert retry.token != failed.token


def test_only_a_new_reservation_can_be_completed_or_released(
    store: IdempotencyStore, scope: str
) -> None:
    store.reserve(scope, "key-1", "fp-a", T0)
    busy = store.reserve(scope, "key-1", "fp-a", T0)
    with pytest.raises(ValueError, match="only a 'new' reservation"):
        store.complete(busy, CREATED)
    with pytest.raises(ValueError, match="only a 'new' reservation"):
        store.release(busy)


@pytest.mark.parametrize("separate_stores", [False, True], ids=["one-store", "store-per-thread"])
@pytest.mark.parametrize("abandoned_first", [False, True], ids=["fresh-key", "abandoned-key"])
def test_racing_reservations_of_one_key_admit_exactly_one(
    open_store: Callable[[], IdempotencyStore],
    scope: str,
    separate_stores: bool,
    abandoned_first: bool,
) -> None:
    shared = open_store()
    stores = [open_store() if separate_stores else shared for _ in range(RACERS)]
    when = T0
    if abandoned_first:
        shared.reserve(scope, "key-1", "fp-a", T0)
        when = T0 + PENDING_TIMEOUT
    start = threading.Barrier(RACERS)

    def race(racer: IdempotencyStore) -> Reservation:
        start.wait()
        return racer.reserve(scope, "key-1", "fp-a", when)

    with ThreadPoolExecutor(RACERS) as pool:
        kinds = sorted(reservation.kind for reservation in pool.map(race, stores))
    assert kinds == ["in_progress"] * (RACERS - 1) + ["new"]


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "1 to 255 characters"),
        ("k" * 256, "1 to 255 characters"),
        ("clé", "printable ASCII"),
        ("tab\there", "printable ASCII"),
        ("new\nline", "printable ASCII"),
    ],
)
def test_malformed_keys_are_refused(
    store: IdempotencyStore, scope: str, key: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        store.reserve(scope, key, "fp-a", T0)


def test_the_longest_and_oddest_valid_keys_are_accepted(
    store: IdempotencyStore, scope: str
) -> None:
    for key in ("k" * 255, " ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", "x"):
        assert store.reserve(scope, key, "fp-a", T0).kind == "new"


def test_naive_times_are_refused(store: IdempotencyStore, scope: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.reserve(scope, "key-1", "fp-a", datetime(2030, 1, 1))  # noqa: DTZ001


@pytest.mark.postgres
def test_on_postgres_the_tenants_shared_pool_is_used(pg_settings: StorageSettings) -> None:
    # A pool of its own tag, so no earlier test has opened it yet.
    settings = postgres_test_settings(
        pg_settings.data_dir,
        application_name=f"fundament-idem-{uuid4().hex[:8]}",
        pool_size=1,
        max_overflow=1,
    )
    before = shared_datastore_count()
    IdempotencyStore(settings).close()
    assert shared_datastore_count() == before + 1
    TenantStores.open(settings, ServiceDesk).close()
    assert shared_datastore_count() == before + 1
