"""How failures of the event store reach a client: a 503 problem with Retry-After that names
nothing of the database, never a 500."""

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.api.problems import PROBLEM_JSON, STORE_RETRY_AFTER_SECONDS, install_problem_handlers


def app_failing_with(error: Exception) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/write")
    async def write() -> None:
        raise error

    return app


def test_a_lock_timeout_or_lost_connection_is_a_503_with_retry_after() -> None:
    for error in (
        OperationalError("canceling statement due to lock timeout"),
        InterfaceError("connection is closed"),
    ):
        with TestClient(app_failing_with(error), raise_server_exceptions=False) as client:
            answer = client.post("/write")

        assert answer.status_code == 503
        assert answer.headers["content-type"] == PROBLEM_JSON
        assert answer.headers["Retry-After"] == str(STORE_RETRY_AFTER_SECONDS)
        assert answer.json()["code"] == "store-unavailable"
        assert str(error) not in answer.text  # nothing of the database's own words


def test_any_other_fault_is_still_a_500_naming_only_an_error_id() -> None:
    with TestClient(app_failing_with(KeyError("x")), raise_server_exceptions=False) as client:
        answer = client.post("/write")

    assert answer.status_code == 500
    assert set(answer.json()) >= {"error_id", "code"}
    assert "KeyError" not in answer.text
