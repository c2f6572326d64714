"""Command handling against real stores: rejections, stale versions, conflicts, isolation."""

from collections.abc import Callable
from uuid import uuid4

import pytest

from domain.calls import Call, ServiceLinkRequiredError, WrongStepError
from domain.commands import (
    AcceptCall,
    ClassifyCall,
    ExecuteActivities,
    RegisterService,
    SubmitCall,
)
from domain.mir import MicAlreadyRegisteredError, MicClass
from domain.organization import OrganizationError
from domain.patterns import CallType, Impact, Status, Urgency
from domain.shared import CommandContext
from domain.workflow import RegisterMic
from gateway.demo.deployment import DemoTenant, specification
from gateway.demo.driver import Desk, drive_change, submit
from gateway.demo.scenario import agree_first_service, mic_id, service_id
from tenants.errors import ConcurrencyConflictError, RecordNotFoundError, StaleVersionError
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.service_desk.conftest import START


def _incident(desk: Desk, tenant: DemoTenant) -> object:
    return desk.run(
        SubmitCall(
            call_type=CallType.INCIDENT,
            summary="printer on fire",
            requester="key-user",
            customer=tenant.customer,
            service_ids=[service_id(tenant.slug, tenant.services[0].code)],
        )
    )


def _notification_count(app: ServiceDesk) -> int:
    return len(app.recorder.select_notifications(start=1, limit=100_000))


def test_a_rejected_command_stores_nothing(seeded: Callable[[], tuple[DemoTenant, Desk]]) -> None:
    tenant, desk = seeded()
    submitted = desk.run(
        SubmitCall(
            call_type=CallType.SERVICE_REQUEST,
            summary="no service",
            requester="x",
            customer=tenant.customer,
            service_ids=[],
        )
    )
    before = _notification_count(desk.app)
    with pytest.raises(ServiceLinkRequiredError):
        desk.run(AcceptCall(call_id=submitted.aggregate_id))
    with pytest.raises(WrongStepError):
        desk.run(ExecuteActivities(call_id=submitted.aggregate_id, result="too early"))
    assert _notification_count(desk.app) == before


def test_an_unauthorized_incident_is_rejected_with_the_reason(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    tenant, desk = seeded()
    incident = _incident(desk, tenant)  # no service agreement in force yet
    desk.run(AcceptCall(call_id=incident.aggregate_id))  # type: ignore[attr-defined]
    call = desk.app.call(incident.aggregate_id)  # type: ignore[attr-defined]
    assert call.status is Status.REJECTED
    assert "no service agreement in force" in call.rejection_reason


def test_a_stale_expected_version_is_refused(seeded: Callable[[], tuple[DemoTenant, Desk]]) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    result = _incident(desk, tenant)
    call_id = result.aggregate_id  # type: ignore[attr-defined]
    desk.run(AcceptCall(call_id=call_id, expected_version=1))
    with pytest.raises(StaleVersionError):
        desk.run(
            ClassifyCall(
                call_id=call_id,
                category="network",
                impact=Impact.LOW,
                urgency=Urgency.LOW,
                expected_version=1,
            )
        )


def test_two_writers_on_one_call_one_wins_and_nothing_is_lost_or_duplicated(
    stores: TenantStores[ServiceDesk], seeded: Callable[[], tuple[DemoTenant, Desk]]
) -> None:
    # given two applications on the same tenant store, both holding version 2 of the call
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    call_id = _incident(desk, tenant).aggregate_id  # type: ignore[attr-defined]
    desk.run(AcceptCall(call_id=call_id))
    other = stores.runtime.app_class_for(tenant.slug)(dict(desk.app.env))
    first, second = desk.app.call(call_id), other.call(call_id)
    scheme = desk.app.organization().scheme
    context = CommandContext("a", START, uuid4(), uuid4())
    first.classify(context.meta(tenant.slug), scheme, "network", Impact.LOW, Urgency.LOW)
    second.classify(context.meta(tenant.slug), scheme, "security", Impact.HIGH, Urgency.HIGH)
    # when both save
    desk.app.save(first)
    with pytest.raises(Exception) as lost:
        other.save(second)
    # then the loser learns of the conflict and the store holds the winner's event once
    assert "IntegrityError" in type(lost.value).__name__
    stored = list(desk.app.repository.event_store.get(call_id))
    assert [e.originator_version for e in stored] == [1, 2, 3]
    assert desk.app.call(call_id).category == "network"


def test_a_concurrent_command_through_execute_reports_a_conflict(
    stores: TenantStores[ServiceDesk],
    seeded: Callable[[], tuple[DemoTenant, Desk]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    call_id = _incident(desk, tenant).aggregate_id  # type: ignore[attr-defined]
    other = stores.runtime.app_class_for(tenant.slug)(dict(desk.app.env))
    real_load = ServiceDesk.load
    raced: list[bool] = []

    def load_then_let_the_other_writer_in(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        aggregate = real_load(self, *args, **kwargs)
        if self is desk.app and not raced:
            raced.append(True)
            other.execute(AcceptCall(call_id=call_id), CommandContext("b", START, uuid4(), uuid4()))
        return aggregate

    monkeypatch.setattr(ServiceDesk, "load", load_then_let_the_other_writer_in)
    with pytest.raises(ConcurrencyConflictError):
        desk.run(AcceptCall(call_id=call_id))
    monkeypatch.undo()
    assert [e.originator_version for e in desk.app.repository.event_store.get(call_id)] == [1, 2]
    # The loser's in-memory change never reached the cache: a reload shows the stored call.
    reloaded = desk.app.call(call_id)
    assert reloaded.version == 2
    assert [e.originator_version for e in reloaded.collect_events()] == []


def test_one_tenant_cannot_load_another_tenants_call(
    stores: TenantStores[ServiceDesk], seeded: Callable[[], tuple[DemoTenant, Desk]]
) -> None:
    tenant_a, desk_a = seeded()
    _, desk_b = seeded()
    call_id = _incident(desk_a, tenant_a).aggregate_id  # type: ignore[attr-defined]
    with pytest.raises(RecordNotFoundError):
        desk_b.app.call(call_id)
    assert call_id not in set(desk_b.app.iter_call_ids())


def test_registering_a_mic_twice_is_refused_and_stores_nothing(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    # given a tenant whose first service's application is in the MIR
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    code = f"{tenant.services[0].code}-app"
    sid = service_id(tenant.slug, tenant.services[0].code)
    rfc = submit(
        desk, CallType.RFC, "Reinstall the application", "key-user", tenant.customer, [sid]
    )
    again = RegisterMic(code, MicClass.SOFTWARE, "a second copy", "ops", {"version": "9"})
    # when a change registers the same MIC again
    before = _notification_count(desk.app)
    with pytest.raises(MicAlreadyRegisteredError, match=f"{code} is already registered"):
        drive_change(desk, rfc, "application", [again])
    # then the MIR update stored nothing: the change still waits at its MIR step
    stored_by_the_steps_before = _notification_count(desk.app) - before
    assert desk.app.call(rfc).step == "update_mir"
    assert stored_by_the_steps_before > 0
    mic = desk.app.repository.get(mic_id(tenant.slug, code))
    assert mic.attributes["version"] == "1.0"


def test_a_service_owned_by_an_unknown_team_is_refused(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    tenant, desk = seeded()
    before = _notification_count(desk.app)
    with pytest.raises(OrganizationError, match="team ghosts is unknown"):
        desk.run(
            RegisterService(
                code="extra",
                name="Extra service",
                owner_team="ghosts",
                specification=specification(tenant.services[0]),
            )
        )
    assert _notification_count(desk.app) == before


def test_read_only_call_loads_never_share_an_object_with_a_command(
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    call_id = _incident(desk, tenant).aggregate_id  # type: ignore[attr-defined]
    desk.run(AcceptCall(call_id=call_id))
    reader = desk.app.load(call_id, Call, "call", for_update=False)
    writer = desk.app.load(call_id, Call, "call")
    assert reader is not writer
    assert reader.version == writer.version == 2
    # A change the writer has not saved is invisible to readers and to the next command.
    writer.classify(
        CommandContext("x", START, uuid4(), uuid4()).meta(tenant.slug),
        desk.app.organization().scheme,
        "network",
        Impact.LOW,
        Urgency.LOW,
    )
    assert desk.app.load(call_id, Call, "call", for_update=False).category is None
    assert desk.app.call(call_id).version == 2
