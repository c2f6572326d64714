"""`fundament projections rebuild` and `status` through the CLI, on both backends.

Each test gets tenants of its own (a private data directory, or on PostgreSQL private
schemas for the tenants and the read models), so "every tenant" means only these.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from domain.patterns import CallType
from domain.workflow import RelateMics
from gateway.cli import main
from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk, drive_change, submit
from gateway.demo.scenario import (
    agree_first_service,
    drive_proactive,
    drive_reactive,
    mic_id,
    seed_tenant,
    service_id,
)
from projections.feed import LogFeed
from projections.projector import Projector
from projections.read_models.registry import all_read_models
from projections.storage import ReadStore, Row, open_read_store
from tenants.pool import close_shared_datastores
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.conftest import PG_TEST_DBNAME, postgres_test_settings
from tests.integration.projections.support import dead_letters, dump
from tests.integration.service_desk.conftest import START

Dumps = dict[str, dict[str, list[Row]]]


@dataclass
class Deployment:
    """Tenants driven through workflows, and the read models the live feed built for them."""

    stores: TenantStores[ServiceDesk]
    read_store: ReadStore
    tenants: list[str]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli_settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[StorageSettings, str]]:
    """Settings of a deployment of its own, also put in the environment the CLI reads."""
    tag = uuid4().hex[:10]
    read_schema = f"rm_cli_{tag}"
    monkeypatch.setenv("FUNDAMENT_READ_SCHEMA", read_schema)
    if request.param == "sqlite":
        settings = StorageSettings(backend="sqlite", data_dir=tmp_path / "data")
        monkeypatch.setenv("FUNDAMENT_STORE", "sqlite")
        monkeypatch.setenv("FUNDAMENT_DATA_DIR", str(settings.data_dir))
        yield settings, read_schema
        return
    request.getfixturevalue("_postgres_reachable")
    settings = postgres_test_settings(
        tmp_path, schema=f"cli_{tag}", application_name=f"fundament-cli-{tag}", pool_size=2
    )
    for name, value in {
        "FUNDAMENT_STORE": "postgres",
        "FUNDAMENT_PG_DBNAME": PG_TEST_DBNAME,
        "FUNDAMENT_PG_SCHEMA": settings.schema,
        "FUNDAMENT_PG_APPLICATION_NAME": settings.application_name,
        "FUNDAMENT_PG_POOL_SIZE": str(settings.pool_size),
    }.items():
        monkeypatch.setenv(name, value)
    yield settings, read_schema
    close_shared_datastores()
    with psycopg.connect(
        host=settings.host,
        port=settings.port,
        dbname=settings.dbname,
        user=settings.user,
        autocommit=True,
    ) as connection:
        for schema in (settings.schema, read_schema):
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


@pytest.fixture
def deployment(cli_settings: tuple[StorageSettings, str]) -> Iterator[Deployment]:
    """Two tenants whose workflows ran while the live feed caught up now and then."""
    settings, read_schema = cli_settings
    stores = TenantStores.open(settings, ServiceDesk)
    read_store = open_read_store(settings, read_schema)
    feed = LogFeed(stores, Projector(read_store, all_read_models()), batch_size=9)
    (first, first_desk), (second, second_desk) = [_seed(stores, t) for t in TENANTS[:2]]
    feed.catch_up_all()
    agree_first_service(first_desk, first)
    feed.catch_up(first.slug)
    agree_first_service(second_desk, second)
    drive_reactive(first_desk, first)
    _relate_app_to_its_sa(first_desk, first)
    feed.catch_up_all()
    drive_proactive(second_desk, second)
    feed.catch_up_all()
    yield Deployment(stores, read_store, [first.slug, second.slug])
    read_store.close()
    stores.close()


def _relate_app_to_its_sa(desk: Desk, tenant: DemoTenant) -> None:
    code = tenant.services[0].code
    app, sa = mic_id(tenant.slug, f"{code}-app"), mic_id(tenant.slug, f"SA-{code}")
    sid = service_id(tenant.slug, code)
    rfc = submit(
        desk, CallType.RFC, "Record what the SA covers", "key-user", tenant.customer, [sid]
    )
    drive_change(desk, rfc, "application", [RelateMics(sa, "supports-service", app)])


def _seed(stores: TenantStores[ServiceDesk], template: DemoTenant) -> tuple[DemoTenant, Desk]:
    tenant = replace(template, slug=f"cli-{uuid4().hex[:8]}")
    return tenant, seed_tenant(stores, tenant, START)


def _dumps(store: ReadStore, tenant: str | None = None) -> Dumps:
    return {model.name: dump(store, model, tenant) for model in all_read_models()}


def _spoil(store: ReadStore, tenant: str) -> None:
    """Damage the tenant's MIR and agreement rows, as a read-model bug would."""
    with store.transaction() as tx:
        tx.execute("UPDATE rm_mir_components SET name = 'spoiled' WHERE tenant = %s", (tenant,))
        tx.execute("DELETE FROM rm_agreement_statuses WHERE tenant = %s", (tenant,))


def test_rebuilding_one_read_model_of_one_tenant_replays_just_that(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = deployment.tenants
    live = _dumps(deployment.read_store)
    assert all(live["agreements"].values()) and all(live["mir"].values())
    for tenant in deployment.tenants:
        _spoil(deployment.read_store, tenant)

    assert main(["projections", "rebuild", "--tenant", first, "mir"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"rebuilt mir for 1 tenant(s) ({first}): ")
    assert int(out.split(": ")[1].split()[0]) > 0  # events replayed
    assert _dumps(deployment.read_store, first)["mir"] == _dumps_of(live, first)["mir"]
    assert _dumps(deployment.read_store, second)["mir"] != _dumps_of(live, second)["mir"]
    assert not _dumps(deployment.read_store, first)["agreements"]["rm_agreement_statuses"]
    assert dead_letters(deployment.read_store) == []


def test_rebuilding_everything_gives_back_the_live_rows_and_no_lag(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    live = _dumps(deployment.read_store)
    for tenant in deployment.tenants:
        _spoil(deployment.read_store, tenant)

    assert main(["projections", "rebuild"]) == 0
    out = capsys.readouterr().out
    names = ", ".join(model.name for model in all_read_models())
    assert out.startswith(
        f"rebuilt {names} for 2 tenant(s) ({', '.join(sorted(deployment.tenants))}): "
    )
    assert _dumps(deployment.read_store) == live
    assert dead_letters(deployment.read_store) == []

    assert main(["projections", "status"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split() == ["tenant", "read", "model", "position", "head", "lag"]
    assert len(lines) == 2 * len(all_read_models())
    for line in lines:
        tenant, _, position, head, lag = line.split()
        assert tenant in deployment.tenants
        assert int(position) == int(head) > 0 and lag == "0"


def test_status_shows_the_lag_of_a_tenant_the_read_models_have_not_seen_yet(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant, desk = _seed(deployment.stores, TENANTS[2])
    head = desk.app.recorder.max_notification_id()

    assert main(["projections", "status", "--tenant", tenant.slug]) == 0
    _, *lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2:] for line in lines] == [["0", str(head), str(head)]] * len(lines)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["projections", "rebuild", "no-such-model"], "no-such-model"),
        (["projections", "rebuild", "--tenant", "atlantis", "mir"], "atlantis"),
        (["projections", "status", "--tenant", "atlantis"], "atlantis"),
    ],
)
def test_an_unknown_read_model_or_tenant_is_a_one_line_error_and_nothing_is_dropped(
    deployment: Deployment, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    live = _dumps(deployment.read_store)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("fundament: ") and named in err
    assert len(err.strip().splitlines()) == 1
    assert _dumps(deployment.read_store) == live


def _dumps_of(dumps: Dumps, tenant: str) -> Dumps:
    return {
        name: {table: [row for row in rows if row[0] == tenant] for table, rows in tables.items()}
        for name, tables in dumps.items()
    }
