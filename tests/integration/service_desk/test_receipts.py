"""Command receipts on both backends: kept with the events, all or nothing, once per command."""

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.calls import MonitoringSignal, RecoveryRoute
from domain.commands import (
    AnalyzeIncident,
    ForkCall,
    LogMonitoringEvent,
    PrepareRecovery,
)
from domain.patterns import CallType, Process
from domain.shared import CommandContext
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, intake, plan_operate, submit
from gateway.demo.scenario import agree_first_service, service_id
from tenants.apps import open_application
from tenants.errors import ConcurrencyConflictError
from tenants.receipts import receipts_table_name
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

Seeded = Callable[[], tuple[DemoTenant, Desk]]


def _request_being_executed(desk: Desk, tenant: DemoTenant) -> UUID:
    """A service request at the Operate step where monitoring events may be logged, any number."""
    agree_first_service(desk, tenant)
    sid = service_id(tenant.slug, tenant.services[0].code)
    request = submit(
        desk, CallType.SERVICE_REQUEST, "New laptop", "key-user", tenant.customer, [sid]
    )
    plan_operate(desk, request, "hardware", "hand it over")
    return request


def _log(request: UUID) -> LogMonitoringEvent:
    return LogMonitoringEvent(
        call_id=request, observation="disk at 91 %", signal=MonitoringSignal.INFORMATION
    )


def _context(desk: Desk, command_id: UUID) -> CommandContext:
    return CommandContext(desk.actor, desk.now, desk.correlation_id, command_id)


def _head(app: ServiceDesk) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_receipt_holds_what_the_command_answered(seeded: Seeded) -> None:
    tenant, desk = seeded()
    request = _request_being_executed(desk, tenant)
    command_id = uuid4()

    result = desk.app.execute(_log(request), _context(desk, command_id), keep_receipt=True)

    assert desk.app.receipt(command_id) == result
    assert result.notification_id == _head(desk.app)


def test_no_receipt_is_kept_unless_asked_for(seeded: Seeded) -> None:
    tenant, desk = seeded()
    request = _request_being_executed(desk, tenant)
    command_id = uuid4()

    desk.app.execute(_log(request), _context(desk, command_id))

    assert desk.app.receipt(command_id) is None
    assert desk.app.receipt(uuid4()) is None


def test_a_command_id_is_stored_once_even_when_the_command_could_repeat(seeded: Seeded) -> None:
    tenant, desk = seeded()
    request = _request_being_executed(desk, tenant)
    command_id = uuid4()
    first = desk.app.execute(_log(request), _context(desk, command_id), keep_receipt=True)
    head = _head(desk.app)

    with pytest.raises(ConcurrencyConflictError):
        desk.app.execute(_log(request), _context(desk, command_id), keep_receipt=True)

    # The second run's event was rolled back with its receipt; a new id may log again.
    assert _head(desk.app) == head
    assert desk.app.call(request).version == first.version
    assert desk.app.receipt(command_id) == first
    again = desk.app.execute(_log(request), _context(desk, uuid4()), keep_receipt=True)
    assert again.version == first.version + 1


def test_a_receipt_names_every_record_a_command_touched(seeded: Seeded) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    sid = service_id(tenant.slug, tenant.services[0].code)
    incident = submit(desk, CallType.INCIDENT, "VPN down", "key-user", tenant.customer, [sid])
    intake(desk, incident, "network")
    desk.run(AnalyzeIncident(call_id=incident, solution="gateway hung", workaround=False))
    desk.run(PrepareRecovery(call_id=incident, route=RecoveryRoute.OPERATE, affected_mic_ids=[]))
    command_id = uuid4()

    forked = desk.app.execute(
        ForkCall(call_id=incident, target=Process.OPERATE, summary="restart the VPN gateway"),
        _context(desk, command_id),
        keep_receipt=True,
    )

    receipt = desk.app.receipt(command_id)
    assert receipt == forked
    assert receipt is not None and len(receipt.touched_ids) == 2
    assert receipt.touched_ids[0] == incident


def test_a_tenant_made_before_receipts_gets_its_table_on_first_use(
    seeded: Seeded, settings: StorageSettings
) -> None:
    tenant, desk = seeded()
    request = _request_being_executed(desk, tenant)
    _drop_receipts_table(desk.app, settings)
    # A process that opens the tenant afresh, without DDL, as the tenant runtime does.
    reopened = open_application(
        type(desk.app), settings, settings.tenant_db_path(tenant.slug), create_tables=False
    )
    command_id = uuid4()

    assert reopened.receipt(command_id) is None
    result = reopened.execute(_log(request), _context(desk, command_id), keep_receipt=True)

    assert reopened.receipt(command_id) == result


def _drop_receipts_table(app: ServiceDesk, settings: StorageSettings) -> None:
    recorder: Any = app.recorder
    table = receipts_table_name(recorder.events_table_name)
    if settings.backend == "postgres":
        table = f'"{settings.schema}".{table}'
    datastore = recorder.datastore
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DROP TABLE {table}")
