"""Builders for the domain tests: a deterministic clock, tracking numbers, call drivers.

Everything here stays inside the domain: no repository, no application, no wall clock.
``new_world()`` founds a service organization with one service and (by default) an SA in
force for the customer, obtained honestly through a W1 run; the ``*_at(step)`` drivers
take one call from submission up to a given step; ``run_workflow(w)`` drives a whole
W1..W8 tree to closure and returns every aggregate it touched.
"""

import copy
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid5

import pytest
from eventsourcing.domain import Aggregate

from domain.agreements import Agreement, HandlingTarget
from domain.calls import (
    TRACKING_PREFIXES,
    CalendarSection,
    Call,
    ChangeCall,
    Evaluation,
    IncidentCall,
    RecoveryRoute,
    RiskCall,
    ServiceRequestCall,
    WishCall,
)
from domain.catalog import Service, ServiceSpecification
from domain.mir import ManagedInfrastructureComponent, MicClass
from domain.organization import Profile, ServiceOrganization, TeamKind
from domain.patterns import (
    CURRENT_VERSION,
    AgreementKind,
    CallType,
    Effect,
    Impact,
    Likelihood,
    Process,
    RiskKind,
    Status,
    Urgency,
    WorkflowType,
)
from domain.shared import DomainError, EventMeta
from domain.workflow import (
    AgreementDraft,
    ChangeMicAttributes,
    MirOperation,
    RegisterMic,
    accept_or_reject,
    draft_offer,
    evaluate_call,
    fail_negotiation,
    fork,
    put_in_force,
    reach_agreement,
    record_negotiation_round,
    settle_with_parent,
    submit_call,
    update_mir,
)

TENANT = "acme"
ORGANIZATION_NAME = "Acme IT"
CUSTOMER = "city-hall"
REQUESTER = "bob"  # works at the customer; holds no profile in the organization
COORDINATOR = "alice"  # workflow coordinator of the service organization
INTERNAL_TEAM = "platform"
EXTERNAL_TEAM = "cloudco"
SERVICE_CODE = "passport"
CATEGORY = "application"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CLOSED = "closed"  # drive a call past its last step
_IDS = UUID("5d1f3c0e-8f4b-4c1a-9a57-2b6f0e9d1c11")

# -- time, ids, tracking numbers ------------------------------------------------------


class Clock:
    """Business time that ticks one minute per ``meta()``; ids come from a counter."""

    def __init__(
        self,
        tenant_id: str = TENANT,
        actor: str = COORDINATOR,
        start: datetime = START,
        correlation: str = "test",
    ) -> None:
        self.tenant_id, self.actor, self.now = tenant_id, actor, start
        self.ticks = 0
        self.correlation_id = uuid5(_IDS, f"correlation/{correlation}")

    def meta(self, actor: str | None = None) -> EventMeta:
        self.ticks += 1
        self.now += timedelta(minutes=1)
        return EventMeta(
            tenant_id=self.tenant_id,
            actor=actor or self.actor,
            occurred_at=self.now,
            correlation_id=self.correlation_id,
            causation_id=uuid5(_IDS, f"command/{self.ticks}"),
        )


def some_id(name: str) -> UUID:
    """A stable id for test data that is not an aggregate of the world."""
    return uuid5(_IDS, name)


def tracking_number(call_type: CallType, number: int) -> str:
    """``INC-0007`` and the like."""
    return f"{TRACKING_PREFIXES[call_type]}-{number:04d}"


class TrackingNumbers:
    """Hands out consecutive tracking numbers per call type, and codes per kind."""

    def __init__(self) -> None:
        self._counters: Counter[str] = Counter()

    def next(self, call_type: CallType) -> str:
        self._counters[call_type.value] += 1
        return tracking_number(call_type, self._counters[call_type.value])

    def for_process(self, process: Process) -> str:
        return self.next(CallType.for_process(process))

    def code(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}-{self._counters[prefix]:04d}"


# -- the world every test starts in ---------------------------------------------------


@dataclass
class World:
    """One tenant: its organization, a service, its agreements and MIR, and an event log."""

    clock: Clock
    numbers: TrackingNumbers
    organization: ServiceOrganization
    service: Service
    agreements: dict[UUID, Agreement] = field(default_factory=dict)
    mics: dict[UUID, ManagedInfrastructureComponent] = field(default_factory=dict)
    log: dict[UUID, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def meta(self, actor: str | None = None) -> EventMeta:
        return self.clock.meta(actor)

    @property
    def scheme(self) -> Any:
        return self.organization.scheme

    def aggregates(self) -> list[Aggregate]:
        return [self.organization, self.service, *self.agreements.values(), *self.mics.values()]

    def flush(self, aggregates: Iterable[Aggregate] = ()) -> None:
        """Move pending events of the world (and ``aggregates``) into the log."""
        for aggregate in [*self.aggregates(), *aggregates]:
            self.log[aggregate.id].extend(aggregate.collect_events())

    def mic(self, code: str) -> ManagedInfrastructureComponent | None:
        return next((mic for mic in self.mics.values() if mic.code == code), None)

    @property
    def facility(self) -> ManagedInfrastructureComponent:
        mic = self.mic(f"{SERVICE_CODE}-app")
        assert mic is not None, "the world has no facility MIC; build it with an agreement"
        return mic

    def agreement_in_force(self, kind: AgreementKind = AgreementKind.SA) -> Agreement | None:
        return next((a for a in self.agreements.values() if a.is_in_force and a.kind is kind), None)

    def submit(
        self,
        call_type: CallType,
        *,
        requester: str | None = None,
        customer: str = CUSTOMER,
        service_ids: list[UUID] | None = None,
        mic_ids: list[UUID] | None = None,
        summary: str = "",
        meta: EventMeta | None = None,
    ) -> Call:
        """Submit a root call on the world's service (not yet accepted)."""
        if requester is None:
            requester = COORDINATOR if call_type is CallType.RISK else REQUESTER
        return submit_call(
            meta or self.meta(),
            call_type,
            self.numbers.next(call_type),
            summary=summary or f"a {call_type.value.replace('_', ' ')}",
            requester=requester,
            customer=customer,
            service_ids=[self.service.id] if service_ids is None else service_ids,
            description="submitted by a test",
            mic_ids=mic_ids,
        )


def specification() -> ServiceSpecification:
    return ServiceSpecification(
        facility_functionality="apply for and renew passports online",
        facility_functioning="available 07:00-23:00, 99.5%",
        support_functionality="service desk by phone and chat",
        support_functioning="answer within 2 minutes",
    )


def new_world(*, with_agreement: bool = True) -> World:
    """An organization with two teams, a coordinator and a service.

    With ``with_agreement`` the customer also gets an SA in force (through a W1 run), and
    the MIR holds the service's facility, so incidents, RFCs and service requests of the
    customer are authorized and can name a registered component.
    """
    clock = Clock()
    meta = clock.meta
    organization = ServiceOrganization.found(meta(), ORGANIZATION_NAME, CURRENT_VERSION)
    organization.add_team(meta(), INTERNAL_TEAM, "Platform team", TeamKind.INTERNAL)
    organization.add_team(meta(), EXTERNAL_TEAM, "CloudCo hosting", TeamKind.EXTERNAL)
    organization.assign_profile(meta(), COORDINATOR, Profile.WORKFLOW_COORDINATOR)
    service = Service.register(
        meta(), SERVICE_CODE, "Passport service", INTERNAL_TEAM, specification()
    )
    world = World(clock, TrackingNumbers(), organization, service)
    if with_agreement:
        run_workflow(WorkflowType.W1, world)
    world.flush()
    return world


# -- a call tree and the drivers that move it -----------------------------------------


@dataclass
class Tree:
    """The calls of one workflow run and everything they created or changed."""

    world: World
    route: RecoveryRoute = RecoveryRoute.CHANGE
    measure: Process = Process.OPERATE
    agreed: bool = True
    calls: list[Call] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    mics: list[ManagedInfrastructureComponent] = field(default_factory=list)
    risks: list[RiskCall] = field(default_factory=list)

    @property
    def root(self) -> Any:
        return self.calls[0]

    def call(self, process: Process, index: int = 0) -> Any:
        """The ``index``-th call of ``process`` in this tree."""
        return [c for c in self.calls if c.process is process][index]

    def parent_of(self, call: Call) -> Call | None:
        return next((c for c in self.calls if c.id == call.parent_id), None)

    def offer_of(self, wish: WishCall) -> list[Agreement]:
        return [a for a in self.agreements if a.id in getattr(wish, "agreement_ids", [])]

    def aggregates(self) -> list[Aggregate]:
        return [*self.calls, *self.risks, *self.agreements, *self.mics]

    def flush(self) -> "Tree":
        self.world.flush(self.aggregates())
        return self

    def events(self, aggregate: Aggregate) -> list[Any]:
        return self.world.log[aggregate.id]

    @property
    def meta(self) -> Callable[..., EventMeta]:
        return self.world.meta


def _accept(tree: Tree, call: Call) -> None:
    world = tree.world
    accept_or_reject(call, world.meta(), world.organization, world.agreements.values())
    assert call.status is Status.ACCEPTED, getattr(call, "rejection_reason", call.status)


def _classify(tree: Tree, call: Call) -> None:
    meta, scheme = tree.meta(), tree.world.scheme
    if isinstance(call, RiskCall):
        call.assess(
            meta,
            scheme,
            "security",
            RiskKind.THREAT,
            Effect.MAJOR,
            Likelihood.POSSIBLE,
            "passport renewals stop",
        )
    else:
        call.classify(meta, scheme, CATEGORY, Impact.MEDIUM, Urgency.HIGH)


def _review(tree: Tree, call: Call) -> None:
    if isinstance(call, WishCall):
        predecessors = [
            a
            for a in tree.world.agreements.values()
            if any(new.supersedes == a.id for new in tree.offer_of(call))
        ]
        put_in_force(call, tree.meta(), tree.offer_of(call), predecessors)
    call.verify_with_requester(tree.meta(actor=call.requester), agreed=True, feedback="fine")


def _evaluate_close(tree: Tree, call: Call) -> None:
    residual = "low" if isinstance(call, RiskCall) else None
    evaluate_call(call, tree.meta(), Evaluation(True, True, residual_risk=residual), [])
    call.close(tree.meta())


# Agree ----------------------------------------------------------------------------


def _specify_service(tree: Tree, wish: WishCall) -> None:
    wish.specify_service(
        tree.meta(),
        functional_design="renew passports online",
        technical_design="web front end on the platform cluster",
        solution_teams=[INTERNAL_TEAM],
        cost=12_000,
    )


def offer_drafts(tree: Tree, wish: WishCall) -> list[AgreementDraft]:
    """An SA for the customer, underpinned by an OLA with the internal solution team."""
    numbers = tree.world.numbers
    previous = tree.world.agreement_in_force(AgreementKind.SA)
    return [
        AgreementDraft(
            code=numbers.code("SA"),
            kind=AgreementKind.SA,
            title=f"Passport service for {wish.customer}",
            provider=TENANT,
            customer=wish.customer,
            service_ids=list(wish.service_ids),
            handling_targets={"P1": HandlingTarget(15, 240), "P3": HandlingTarget(60, 1440)},
            specification="online renewals, 99.5% in service hours",
            supersedes=previous.id if previous else None,
        ),
        AgreementDraft(
            code=numbers.code("OLA"),
            kind=AgreementKind.OLA,
            title="Platform hosting for the passport service",
            provider=INTERNAL_TEAM,
            customer=TENANT,
            service_ids=list(wish.service_ids),
            handling_targets={"P1": HandlingTarget(10, 120)},
        ),
    ]


def _draft_offer(tree: Tree, wish: WishCall) -> None:
    agreements = draft_offer(wish, tree.meta(), offer_drafts(tree, wish))
    tree.agreements.extend(agreements)
    tree.world.agreements.update((agreement.id, agreement) for agreement in agreements)


def _negotiate(tree: Tree, wish: WishCall) -> None:
    offer = tree.offer_of(wish)
    record_negotiation_round(wish, tree.meta(), offer, "first round: price accepted")
    if tree.agreed:
        reach_agreement(wish, tree.meta(), offer, tree.world.organization)
    else:
        fail_negotiation(wish, tree.meta(), offer, "the customer found it too expensive")


# Change ---------------------------------------------------------------------------


def _plan_change(tree: Tree, rfc: ChangeCall) -> None:
    start = tree.world.clock.now + timedelta(days=1)
    rfc.plan(tree.meta(), "normal", "roll out in one window", start, start + timedelta(hours=2))


def _prepare_change(tree: Tree, rfc: ChangeCall) -> None:
    rfc.prepare(tree.meta(), "PAT + UAT", "blue/green", continuity_plan_updated=True)


def _test_release(tree: Tree, rfc: ChangeCall) -> None:
    rfc.test_and_release(tree.meta(), "all tests green", approved=True, approver="cab")


def mir_operations(tree: Tree, rfc: ChangeCall) -> list[MirOperation]:
    """What a change registers: agreements and the facility for a wish, else the MICs."""
    world, parent = tree.world, tree.parent_of(rfc)
    if isinstance(parent, WishCall):
        operations: list[MirOperation] = [
            RegisterMic(f"agreement-{a.code}", MicClass.AGREEMENT, a.title, a.provider)
            for a in tree.offer_of(parent)
        ]
        if world.mic(f"{SERVICE_CODE}-app") is None:
            operations.append(
                RegisterMic(
                    f"{SERVICE_CODE}-app",
                    MicClass.SOFTWARE,
                    "Passport web application",
                    INTERNAL_TEAM,
                    {"version": "1.0"},
                )
            )
        return operations
    registered = [mic_id for mic_id in rfc.mic_ids if mic_id in world.mics]
    if registered:
        return [
            ChangeMicAttributes(mic_id, {"version": rfc.tracking_number}) for mic_id in registered
        ]
    return [
        RegisterMic(
            f"component-{rfc.tracking_number}", MicClass.SOFTWARE, "new component", INTERNAL_TEAM
        )
    ]


def _update_mir(tree: Tree, rfc: ChangeCall) -> None:
    world = tree.world
    touched = update_mir(rfc, world.meta(), mir_operations(tree, rfc), dict(world.mics))
    for mic in touched:
        world.mics[mic.id] = mic
        if mic not in tree.mics:
            tree.mics.append(mic)


# Recover --------------------------------------------------------------------------


def _analyze(tree: Tree, incident: IncidentCall) -> None:
    incident.analyze(tree.meta(), "restart the application pool", knowledge_ref="KB-42")


def _prepare_recovery(tree: Tree, incident: IncidentCall) -> None:
    registered = [] if tree.route is RecoveryRoute.OPERATE else list(incident.mic_ids)
    incident.prepare_recovery(tree.meta(), tree.route, registered)


# Operate --------------------------------------------------------------------------


def _plan_activities(tree: Tree, request: ServiceRequestCall) -> None:
    when = tree.world.clock.now + timedelta(hours=4)
    request.plan_activities(tree.meta(), CalendarSection.DYNAMIC, when, ["deploy", "smoke test"])


def _execute_activities(tree: Tree, request: ServiceRequestCall) -> None:
    request.execute_activities(tree.meta(actor="olivia"), "done as planned")


# Improve --------------------------------------------------------------------------


def _determine_cause(tree: Tree, risk: RiskCall) -> None:
    risk.determine_cause(tree.meta(), "certificate renewal is manual")


def _select_measure(tree: Tree, risk: RiskCall) -> None:
    risk.select_measure(
        tree.meta(), "automate renewal", "saves two outages a year", "low", tree.measure
    )


# Forks ----------------------------------------------------------------------------


def fork_targets(tree: Tree, call: Call) -> list[Process]:
    """The children a call opens at its fork step in a normal run."""
    if isinstance(call, IncidentCall):
        return {
            RecoveryRoute.CHANGE: [Process.CHANGE],
            RecoveryRoute.OPERATE: [Process.OPERATE],
            RecoveryRoute.BOTH: [Process.CHANGE, Process.OPERATE],
        }[tree.route]
    if isinstance(call, RiskCall):
        return [tree.measure]
    fork_step = call.pattern.fork_step
    assert fork_step is not None
    return list(fork_step.fork_targets)


def open_child(tree: Tree, parent: Call, target: Process) -> Call:
    """Fork one child of ``target`` from ``parent`` and add it to the tree."""
    number = tree.world.numbers.for_process(target)
    child = fork(parent, tree.meta(), target, number)
    tree.calls.append(child)
    return child


def _fork_and_complete(tree: Tree, parent: Call) -> None:
    children = [open_child(tree, parent, target) for target in fork_targets(tree, parent)]
    for child in children:
        drive(tree, child, CLOSED)


STEPS: dict[Process, dict[str, Callable[[Tree, Any], None]]] = {
    Process.AGREE: {
        "specify_service": _specify_service,
        "draft_offer": _draft_offer,
        "negotiate": _negotiate,
        "realize": _fork_and_complete,
    },
    Process.CHANGE: {
        "plan": _plan_change,
        "prepare": _prepare_change,
        "test_release": _test_release,
        "deploy": _fork_and_complete,
        "update_mir": _update_mir,
    },
    Process.RECOVER: {
        "analyze": _analyze,
        "prepare_recovery": _prepare_recovery,
        "recover": _fork_and_complete,
    },
    Process.OPERATE: {
        "plan_activities": _plan_activities,
        "execute_activities": _execute_activities,
    },
    Process.IMPROVE: {
        "determine_cause": _determine_cause,
        "select_measure": _select_measure,
        "deploy_measure": _fork_and_complete,
    },
}
_COMMON: dict[str, Callable[[Tree, Any], None]] = {
    "accept": _accept,
    "classify": _classify,
    "review": _review,
    "evaluate_close": _evaluate_close,
}


def do_step(tree: Tree, call: Call) -> None:
    """Do the work of ``call``'s current step (moving it on), then settle with its parent."""
    action = STEPS[call.process].get(call.step) or _COMMON[call.step]
    action(tree, call)
    parent = tree.parent_of(call)
    if parent is not None:
        settle_with_parent(call, parent, tree.meta())
        grandparent = tree.parent_of(parent)
        if grandparent is not None:
            settle_with_parent(parent, grandparent, tree.meta())


def drive(tree: Tree, call: Call, to_step: str = CLOSED) -> None:
    """Work ``call`` until it stands at ``to_step`` (before that step's work) or is closed."""
    valid = (*call.pattern.step_ids, CLOSED)
    assert to_step in valid, f"{call.process.value} has no step {to_step!r}"
    while call.is_open and call.step != to_step:
        do_step(tree, call)


def _start(
    call_type: CallType,
    to_step: str,
    world: World | None,
    **options: Any,
) -> Tree:
    world = world or new_world()
    tree = Tree(world, **options)
    tree.calls.append(world.submit(call_type))
    drive(tree, tree.root, to_step)
    return tree.flush()


def wish_at(step: str, world: World | None = None, *, agreed: bool = True) -> Tree:
    """A root wish (Agree), driven from submission to ``step``."""
    return _start(CallType.WISH, step, world or new_world(with_agreement=False), agreed=agreed)


def rfc_at(step: str, world: World | None = None) -> Tree:
    """A root RFC (Change, W2), driven from submission to ``step``."""
    return _start(CallType.RFC, step, world)


def incident_at(
    step: str, world: World | None = None, *, route: RecoveryRoute = RecoveryRoute.CHANGE
) -> Tree:
    """A root incident (Recover) on the registered facility, driven to ``step``."""
    world = world or new_world()
    tree = Tree(world, route=route)
    tree.calls.append(world.submit(CallType.INCIDENT, mic_ids=[world.facility.id]))
    drive(tree, tree.root, step)
    return tree.flush()


def service_request_at(step: str, world: World | None = None) -> Tree:
    """A root service request (Operate, W5), driven from submission to ``step``."""
    return _start(CallType.SERVICE_REQUEST, step, world)


def risk_at(step: str, world: World | None = None, *, measure: Process = Process.OPERATE) -> Tree:
    """A root risk (Improve) raised by the coordinator, driven to ``step``."""
    return _start(CallType.RISK, step, world, measure=measure)


_WORKFLOW_STARTS: dict[WorkflowType, Callable[[World], Tree]] = {
    WorkflowType.W1: lambda world: wish_at(CLOSED, world),
    WorkflowType.W2: lambda world: rfc_at(CLOSED, world),
    WorkflowType.W3: lambda world: incident_at(CLOSED, world, route=RecoveryRoute.CHANGE),
    WorkflowType.W4: lambda world: incident_at(CLOSED, world, route=RecoveryRoute.OPERATE),
    WorkflowType.W5: lambda world: service_request_at(CLOSED, world),
    WorkflowType.W6: lambda world: risk_at(CLOSED, world, measure=Process.AGREE),
    WorkflowType.W7: lambda world: risk_at(CLOSED, world, measure=Process.CHANGE),
    WorkflowType.W8: lambda world: risk_at(CLOSED, world, measure=Process.OPERATE),
}


def run_workflow(workflow: WorkflowType, world: World | None = None) -> Tree:
    """Drive a complete ``workflow`` tree, root to closure, purely in the domain.

    Without a world, W1 starts from an organization without agreements (it creates the
    first SA); the others start from one whose customer has an SA in force.
    """
    if world is None:
        world = new_world(with_agreement=workflow is not WorkflowType.W1)
    return _WORKFLOW_STARTS[workflow](world)


# -- assertions -------------------------------------------------------------------------


def state(aggregate: Aggregate) -> dict[str, Any]:
    """A deep copy of an aggregate's state, without its pending events."""
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def fingerprint(aggregate: Aggregate) -> tuple[int, list[Any], dict[str, Any]]:
    return aggregate.version, list(aggregate.pending_events), state(aggregate)


@contextmanager
def refused(error: type[DomainError], match: str, *aggregates: Aggregate) -> Iterator[None]:
    """Expect ``error`` (message matching ``match``) and no change to ``aggregates``."""
    before = [fingerprint(aggregate) for aggregate in aggregates]
    with pytest.raises(error, match=match):
        yield
    after = [fingerprint(aggregate) for aggregate in aggregates]
    for aggregate, old, new in zip(aggregates, before, after, strict=True):
        label = f"{type(aggregate).__name__} {getattr(aggregate, 'tracking_number', '')}"
        label += getattr(aggregate, "code", "")
        assert new[0] == old[0], f"{label}: version changed from {old[0]} to {new[0]}"
        assert new[1] == old[1], f"{label}: pending events changed: {names(new[1])}"
        assert new[2] == old[2], f"{label}: state changed"


def names(events: Iterable[Any]) -> list[str]:
    """The class names of events, e.g. ``['Accepted']``."""
    return [type(event).__name__ for event in events]


def replay(events: list[Any]) -> Aggregate:
    """Rebuild an aggregate from its events, as a repository would."""
    aggregate = events[0].mutate(None)
    for event in events[1:]:
        aggregate = event.mutate(aggregate)
    return cast(Aggregate, aggregate)
