"""`fundament project` runs a worker until SIGTERM, then exits 0 with the batch stored."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.read_models.registry import all_read_models
from tenants.settings import StorageSettings
from tests.integration.flow.helpers_worker import WorkerFlow, wait_until, worker_flow
from tests.support.broker import LocalBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def flow(broker: LocalBroker, pg_settings: StorageSettings) -> Iterator[WorkerFlow]:
    with worker_flow(broker, pg_settings) as made:
        yield made


def _environ(flow: WorkerFlow, settings: StorageSettings, store: str) -> dict[str, str]:
    return {
        **os.environ,
        "FUNDAMENT_STORE": store,
        "FUNDAMENT_DATA_DIR": str(settings.data_dir),
        "FUNDAMENT_PG_HOST": settings.host,
        "FUNDAMENT_PG_PORT": str(settings.port),
        "FUNDAMENT_PG_DBNAME": settings.dbname,
        "FUNDAMENT_PG_USER": settings.user,
        "FUNDAMENT_KAFKA_BOOTSTRAP": flow.broker.bootstrap,
        "FUNDAMENT_KAFKA_TOPIC": flow.topic,
        "FUNDAMENT_READ_SCHEMA": flow.store.schema,
    }


def test_fundament_project_fills_the_catalog_and_stops_cleanly_on_sigterm(
    flow: WorkerFlow, pg_settings: StorageSettings, tmp_path: Path
) -> None:
    tenant, _ = flow.seed()
    flow.publish(flow.envelopes(tenant.slug))
    log = tmp_path / "project.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "project", "--partitions", "0,1,2"],
            cwd=REPO,
            env=_environ(flow, pg_settings, "postgres"),
            stderr=output,
        )
    try:
        wait_until(lambda: flow.caught_up(tenant.slug) or worker.poll() is not None, 30)
        # (every read model's tracking commits in the same transaction as the catalog's)
        assert worker.poll() is None, log.read_text()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert flow.service_codes(tenant.slug) == sorted(s.code for s in tenant.services)
    assert sum(flow.offsets().values()) == len(flow.envelopes(tenant.slug))
    last = flow.last_id(tenant.slug)
    assert {m.name: flow.position(m.name, tenant.slug) for m in all_read_models()} == {
        m.name: last for m in all_read_models()
    }
    assert flow.dead_letters() == []


def test_fundament_project_refuses_the_embedded_store_in_one_line(
    flow: WorkerFlow, pg_settings: StorageSettings
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "project"],
        cwd=REPO,
        env=_environ(flow, pg_settings, "sqlite"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "fundament: `fundament project` needs PostgreSQL: set FUNDAMENT_STORE=postgres"
    ]
