"""Properties: random command sequences over a small call tree keep every USM invariant.

A rule-based state machine grows a tree from a root incident, risk or wish. Each step
either does the natural work of some open call's current step (with random choices:
route, measure, fork target, requester's verdict, improvements...) or fires an arbitrary
command at an arbitrary call, valid or not. After every successful command the children
are settled with their parents, as the workflow saga would. Checked after every step:

* a refused command (``DomainError``) changed nothing: version, state, pending events;
* no other exception ever escapes from domain code;
* the invariants of usm-method.md §8.3 (see the ``@invariant`` methods);

and at the end of every run: replaying each aggregate's events rebuilds it exactly.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain.agreements import AgreementStatus
from domain.calls import (
    CALL_CLASSES,
    CalendarSection,
    Call,
    ChangeCall,
    Evaluation,
    IncidentCall,
    LinkKind,
    MonitoringSignal,
    RecoveryRoute,
    RiskCall,
    ServiceRequestCall,
    WishCall,
)
from domain.mir import MicClass
from domain.patterns import (
    WORKFLOWS,
    AgreementKind,
    CallType,
    Effect,
    FulfilmentKind,
    Impact,
    Likelihood,
    Process,
    RiskKind,
    Status,
    Urgency,
    WorkflowType,
)
from domain.shared import DomainError, aggregate_id
from domain.workflow import (
    ChangeMicAttributes,
    MirOperation,
    RegisterMic,
    RelateMics,
    RetireMic,
    accept_or_reject,
    child_outcome,
    draft_offer,
    evaluate_call,
    fail_negotiation,
    put_in_force,
    reach_agreement,
    record_negotiation_round,
    settle_with_parent,
    update_mir,
)
from tests.unit.domain.builders import (
    CATEGORY,
    INTERNAL_TEAM,
    Tree,
    World,
    do_step,
    fingerprint,
    new_world,
    offer_drafts,
    open_child,
    replay,
    run_workflow,
    some_id,
    state,
)

PROCESSES = list(Process)
ROUTES = list(RecoveryRoute)
# Agree, Change, Operate are valid; Improve and Recover are refused (invalid on purpose).
MEASURES = [Process.AGREE, Process.CHANGE, Process.OPERATE, Process.IMPROVE, Process.RECOVER]
CATEGORIES = [CATEGORY, "security", "plumbing"]  # the last is unknown to the scheme


class CallTreeMachine(RuleBasedStateMachine):
    """Random valid and invalid commands on one call tree and everything it touches."""

    def __init__(self) -> None:
        super().__init__()
        self.world: World = new_world()
        self.tree = Tree(self.world)
        self.first_seen: dict[UUID, tuple[CallType, Process]] = {}
        self.first_workflow: dict[UUID, WorkflowType] = {}
        self.refusals = 0

    # -- bookkeeping ---------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return [*self.tree.calls, *self.tree.risks]

    def aggregates(self) -> list[Aggregate]:
        unique = {a.id: a for a in [*self.world.aggregates(), *self.tree.aggregates()]}
        return list(unique.values())

    def children_of(self, call: Call) -> list[Call]:
        return [c for c in self.tree.calls if c.parent_id == call.id]

    def root_of(self, call: Call) -> Call:
        return next(c for c in self.calls if c.id == call.root_id)

    def pick(self, index: int) -> Call:
        """Any call of the tree, its improvement risks included."""
        return self.calls[index % len(self.calls)]

    def pick_workable(self, index: int) -> Call:
        """An open call of the main tree that no child keeps waiting (else any call)."""
        workable = [c for c in self.tree.calls if c.is_open and not c.working_children()]
        return (workable or self.calls)[index % len(workable or self.calls)]

    def touchable(self, call: Call) -> list[Aggregate]:
        """What a command on ``call`` may change: itself, its parent and children, and the
        agreements (for a wish) or the MIR (for a change) it acts on."""
        parent = self.tree.parent_of(call)
        touched: list[Aggregate] = [call, *self.children_of(call), *([parent] if parent else [])]
        if isinstance(call, WishCall):
            touched += [*self.tree.agreements, *self.world.agreements.values()]
        if isinstance(call, ChangeCall):
            touched += list(self.world.mics.values())
        return list({a.id: a for a in touched}.values())

    def attempt(self, call: Call, action: Callable[[], Any]) -> None:
        """Run one command; a refusal must leave every aggregate exactly as it was.

        The state of what the command may touch is deep-copied; for every other aggregate
        the version and the pending events are compared.
        """
        touchable = self.touchable(call)
        touched_ids = {a.id for a in touchable}
        others = [a for a in self.aggregates() if a.id not in touched_ids]
        before = [fingerprint(a) for a in touchable]
        others_before = [(a.version, list(a.pending_events)) for a in others]
        sizes = (len(self.tree.calls), len(self.tree.risks), len(self.tree.agreements))
        try:
            action()
        except DomainError:
            self.refusals += 1
            for aggregate, old in zip(touchable, before, strict=True):
                new = fingerprint(aggregate)
                assert new[0] == old[0], f"refused command changed the version of {aggregate!r}"
                assert new[1] == old[1], f"refused command left events on {aggregate!r}"
                assert new[2] == old[2], f"refused command changed the state of {aggregate!r}"
            assert others_before == [(a.version, list(a.pending_events)) for a in others]
            assert sizes == (
                len(self.tree.calls),
                len(self.tree.risks),
                len(self.tree.agreements),
            )
            return
        for child in reversed(self.tree.calls):
            parent = self.tree.parent_of(child)
            if parent is not None:
                settle_with_parent(child, parent, self.world.meta())
        self.tree.flush()

    # -- the commands ----------------------------------------------------------------

    def evaluate(self, call: Call, improvements: int, matching: bool, residual: bool) -> None:
        evaluation = Evaluation(
            True,
            True,
            improvements=tuple(f"improvement {n}" for n in range(improvements)),
            residual_risk="low" if residual else None,
        )
        if matching:
            numbers = [self.world.numbers.next(CallType.RISK) for _ in range(improvements)]
            self.tree.risks.extend(evaluate_call(call, self.world.meta(), evaluation, numbers))
        else:
            ids = [some_id(f"risk {n}") for n in range(improvements + 1)]
            call.evaluate(self.world.meta(), evaluation, ids)

    def mir_operations(self, rfc: ChangeCall, draw: Callable[..., Any]) -> list[MirOperation]:
        """A batch of 1-3 MIR operations, each valid or not (refused batches change nothing)."""
        facility, code = self.world.facility, f"component-{rfc.tracking_number}"
        new_id = aggregate_id(self.world.clock.tenant_id, "mic", code)
        choices: list[MirOperation] = [
            RegisterMic(code, MicClass.SOFTWARE, "c", INTERNAL_TEAM, {"tier": "1"}),
            ChangeMicAttributes(facility.id, {"version": rfc.tracking_number}),
            ChangeMicAttributes(new_id, {"tier": None}),  # valid only after registering it
            ChangeMicAttributes(facility.id, {"no such attribute": None}),
            RelateMics(new_id, "depends-on", facility.id),
            RetireMic(new_id, "replaced"),
            RegisterMic(facility.code, MicClass.SOFTWARE, "again", INTERNAL_TEAM),  # duplicate
            RetireMic(some_id("ghost"), "gone"),  # not in the MIR
        ]
        first = draw(st.sampled_from(choices[:2]))
        return [first, *draw(st.lists(st.sampled_from(choices), max_size=2))]

    def update_mir(self, rfc: ChangeCall, operations: list[MirOperation]) -> None:
        for mic in update_mir(rfc, self.world.meta(), operations, dict(self.world.mics)):
            if mic.id not in self.world.mics:
                self.tree.mics.append(mic)
            self.world.mics[mic.id] = mic

    def draft_offer(self, wish: WishCall) -> None:
        agreements = draft_offer(wish, self.world.meta(), offer_drafts(self.tree, wish))
        self.tree.agreements.extend(agreements)
        self.world.agreements.update((a.id, a) for a in agreements)

    def reach_agreement(self, wish: WishCall) -> None:
        offer = self.tree.offer_of(wish)
        reach_agreement(wish, self.world.meta(), offer, self.world.organization)

    def put_in_force(self, wish: WishCall) -> None:
        offer = self.tree.offer_of(wish)
        predecessors = [
            a
            for a in self.world.agreements.values()
            if any(new.supersedes == a.id for new in offer)
        ]
        put_in_force(wish, self.world.meta(), offer, predecessors)

    @staticmethod
    def usual_targets(call: Call) -> list[Process]:
        """Where a call would normally fork to, given its route or measure."""
        if isinstance(call, IncidentCall) and hasattr(call, "route"):
            if call.route is RecoveryRoute.BOTH:
                return [Process.OPERATE] if call.children else [Process.CHANGE]
            return [Process(call.route.value)]
        if isinstance(call, RiskCall) and hasattr(call, "measure_target"):
            return [call.measure_target]
        fork_step = call.pattern.fork_step
        return list(fork_step.fork_targets) if fork_step else []

    def natural_step(self, call: Call, data: st.DataObject) -> Callable[[], None]:
        """The work of the call's current step, with random decisions."""
        meta, world = self.world.meta, self.world
        step = call.step
        if call.pattern.fork_step and step == call.pattern.fork_step.id:
            usual = self.usual_targets(call)
            target = data.draw(st.sampled_from([*usual, *usual, *PROCESSES]), label="fork")
            return lambda: open_child(self.tree, call, target) and None
        if step == "prepare_recovery":
            route = data.draw(st.sampled_from(ROUTES), label="route")
            consistent = data.draw(st.integers(0, 3), label="consistent") > 0
            modifies = (route is not RecoveryRoute.OPERATE) == consistent
            mics = [world.facility.id] if modifies else []
            return lambda: call.prepare_recovery(meta(), route, mics)
        if step == "select_measure":
            target = data.draw(st.sampled_from([*MEASURES[:4], *MEASURES]), label="measure")
            return lambda: call.select_measure(meta(), "m", "bc", "low", target)
        if step == "negotiate":
            if data.draw(st.integers(0, 3), label="agreed") > 0:
                return lambda: self.reach_agreement(call)
            offer = self.tree.offer_of(call)
            return lambda: fail_negotiation(call, meta(), offer, "no deal")
        if step == "draft_offer":
            return lambda: self.draft_offer(call)
        if step == "accept":
            agreements = list(world.agreements.values())
            return lambda: accept_or_reject(call, meta(), world.organization, agreements)
        if step == "review":
            if (
                isinstance(call, WishCall)
                and any(a.status is AgreementStatus.AGREED for a in self.tree.offer_of(call))
                and data.draw(st.integers(0, 3), label="put in force") > 0
            ):
                return lambda: self.put_in_force(call)
            agreed = data.draw(st.integers(0, 3), label="requester agrees") > 0
            return lambda: call.verify_with_requester(meta(), agreed=agreed)
        if step == "update_mir":
            operations = self.mir_operations(call, data.draw)
            return lambda: self.update_mir(call, operations)
        if step == "evaluate_close":
            if call.evaluation is not None:
                return lambda: call.close(meta())
            improvements = data.draw(st.integers(0, 2), label="improvements")
            residual = data.draw(st.integers(0, 3), label="residual risk") > 0
            return lambda: self.evaluate(call, improvements, True, residual)
        return lambda: do_step(self.tree, call)

    def any_command(self, call: Call, data: st.DataObject) -> Callable[[], None]:
        """Some command, whatever the step, with arguments that may be invalid."""
        meta, world = self.world.meta, self.world
        draw = data.draw
        common: dict[str, Callable[[], None]] = {
            "accept": lambda: call.accept(meta()),
            "reject": lambda: call.reject(meta(), "not entitled"),
            "classify": lambda: call.classify(
                meta(),
                world.scheme,
                draw(st.sampled_from(CATEGORIES)),
                draw(st.sampled_from(list(Impact))),
                draw(st.sampled_from(list(Urgency))),
            ),
            "link": lambda: call.link(
                meta(),
                draw(st.sampled_from(["service", "mic", "call", LinkKind.CALL, "document"])),
                draw(st.sampled_from([world.service.id, world.facility.id, call.id])),
            ),
            "fork": lambda: open_child(self.tree, call, draw(st.sampled_from(PROCESSES))) and None,
            "verify": lambda: call.verify_with_requester(meta(), agreed=draw(st.booleans())),
            "evaluate": lambda: self.evaluate(
                call, draw(st.integers(0, 2)), draw(st.booleans()), draw(st.booleans())
            ),
            "close": lambda: call.close(meta()),
            "abort": lambda: call.abort(meta(), draw(st.sampled_from(["", "obsolete"]))),
        }
        specific: dict[str, Callable[[], None]] = {}
        if isinstance(call, WishCall):
            specific = {
                "specify_service": lambda: call.specify_service(
                    meta(),
                    "fd",
                    "td",
                    draw(st.sampled_from([[], [INTERNAL_TEAM]])),
                    draw(st.sampled_from([-1, 100])),
                ),
                "draft_offer": lambda: self.draft_offer(call),
                "negotiation_round": lambda: record_negotiation_round(
                    call, meta(), self.tree.offer_of(call), "round"
                ),
                "reach_agreement": lambda: self.reach_agreement(call),
                "fail_negotiation": lambda: fail_negotiation(
                    call, meta(), self.tree.offer_of(call), "no deal"
                ),
                "put_in_force": lambda: self.put_in_force(call),
            }
        elif isinstance(call, ChangeCall):
            start = world.clock.now
            specific = {
                "plan": lambda: call.plan(
                    meta(), "normal", "p", start, start + timedelta(hours=draw(st.integers(-1, 2)))
                ),
                "prepare": lambda: call.prepare(meta(), "tp", "dp", continuity_plan_updated=False),
                "test_and_release": lambda: call.test_and_release(
                    meta(), "report", approved=draw(st.booleans()), approver="cab"
                ),
                "update_mir": lambda: self.update_mir(call, self.mir_operations(call, draw)),
                "record_mir_update": lambda: call.record_mir_update(meta(), []),
            }
        elif isinstance(call, IncidentCall):
            specific = {
                "analyze": lambda: call.analyze(meta(), draw(st.sampled_from(["", "restart"]))),
                "prepare_recovery": lambda: call.prepare_recovery(
                    meta(),
                    draw(st.sampled_from(ROUTES)),
                    draw(st.sampled_from([[], [world.facility.id]])),
                ),
            }
        elif isinstance(call, ServiceRequestCall):
            specific = {
                "plan_activities": lambda: call.plan_activities(
                    meta(),
                    CalendarSection.DYNAMIC,
                    world.clock.now,
                    draw(st.sampled_from([[], ["deploy"]])),
                ),
                "log_monitoring_event": lambda: call.log_monitoring_event(
                    meta(),
                    "seen",
                    draw(st.sampled_from(list(MonitoringSignal))),
                    draw(st.sampled_from([None, some_id("raised call")])),
                ),
                "execute_activities": lambda: call.execute_activities(meta(), "done"),
            }
        elif isinstance(call, RiskCall):
            specific = {
                "assess": lambda: call.assess(
                    meta(),
                    world.scheme,
                    draw(st.sampled_from(CATEGORIES)),
                    RiskKind.THREAT,
                    draw(st.sampled_from(list(Effect))),
                    draw(st.sampled_from(list(Likelihood))),
                    "bia",
                ),
                "determine_cause": lambda: call.determine_cause(
                    meta(), draw(st.sampled_from(["", "root cause"]))
                ),
                "select_measure": lambda: call.select_measure(
                    meta(), "m", "bc", "low", draw(st.sampled_from(MEASURES))
                ),
            }
        commands = {**common, **specific}
        # The order matters a little: hypothesis favours the first entries.
        names = [name for name in commands if name not in ("abort", "reject")]
        name = draw(st.sampled_from([*names, "abort", "reject"]), label="command")
        return commands[name]

    # -- rules ---------------------------------------------------------------------------

    @initialize(root=st.sampled_from([CallType.INCIDENT, CallType.RISK, CallType.WISH]))
    def submit_root(self, root: CallType) -> None:
        mic_ids = [self.world.facility.id] if root is CallType.INCIDENT else None
        self.tree.calls.append(self.world.submit(root, mic_ids=mic_ids))
        self.tree.flush()

    @rule(index=st.integers(0, 63), data=st.data())
    def work_on_a_call(self, index: int, data: st.DataObject) -> None:
        call = self.pick_workable(index)
        self.attempt(call, self.natural_step(call, data))

    @rule(index=st.integers(0, 63), data=st.data())
    def keep_working_on_a_call(self, index: int, data: st.DataObject) -> None:
        call = self.pick_workable(index)
        self.attempt(call, self.natural_step(call, data))

    def finished_children(self) -> list[Call]:
        """Open child calls that already reached an outcome (fulfilled or no agreement)."""
        return [
            c
            for c in self.tree.calls
            if c.is_open and not c.is_root and child_outcome(c) is not None
        ]

    @precondition(lambda self: bool(self.finished_children()))
    @rule(index=st.integers(0, 63))
    def abandon_a_child_that_reached_an_outcome(self, index: int) -> None:
        """Abort (instead of evaluate and close) a child that was fulfilled or not agreed."""
        finished = self.finished_children()
        call = finished[index % len(finished)]
        self.attempt(call, lambda: call.abort(self.world.meta(), "abandoned"))

    @rule(index=st.integers(0, 63), data=st.data())
    def fire_any_command_at_any_call(self, index: int, data: st.DataObject) -> None:
        call = self.pick(index)
        self.attempt(call, self.any_command(call, data))

    # -- invariants (usm-method.md §8.3) --------------------------------------------------

    @invariant()
    def call_type_and_process_are_one_to_one_and_never_change(self) -> None:
        for call in self.calls:
            assert type(call) is CALL_CLASSES[call.call_type]
            assert call.process is call.call_type.process
            first = self.first_seen.setdefault(call.id, (call.call_type, call.process))
            assert first == (call.call_type, call.process)

    @invariant()
    def workflow_fulfilled_only_on_roots_and_process_fulfilled_only_on_children(self) -> None:
        for call in self.calls:
            if call.status is Status.WORKFLOW_FULFILLED or (
                call.fulfilment == FulfilmentKind.WORKFLOW.value
            ):
                assert call.is_root, call.tracking_number
            if call.status is Status.PROCESS_FULFILLED or (
                call.fulfilment == FulfilmentKind.PROCESS.value
            ):
                assert not call.is_root, call.tracking_number

    @invariant()
    def a_parent_with_working_children_is_never_fulfilled(self) -> None:
        for call in self.calls:
            if call.fulfilment is not None:
                assert call.working_children() == []
                assert all(child_outcome(c) is not None for c in self.children_of(call))

    @invariant()
    def a_call_awaits_a_child_only_while_one_works(self) -> None:
        for call in self.calls:
            if call.status is Status.AWAITING_CHILD:
                assert call.working_children()
                assert call.step == call.pattern.fork_step.id

    @invariant()
    def the_parent_knows_the_outcome_of_each_child(self) -> None:
        for child in self.tree.calls:
            parent = self.tree.parent_of(child)
            if parent is not None:
                link = parent.children[child.id]
                assert link.process is child.process
                assert link.outcome == child_outcome(child)
                # done = closed, or aborted (before or after an outcome): never stuck open
                assert link.closed == (not child.is_open), child.tracking_number
                assert link.aborted == (child.status is Status.ABORTED), child.tracking_number

    @invariant()
    def closed_means_evaluated_with_a_risk_per_improvement(self) -> None:
        for call in self.calls:
            if call.evaluation is not None:
                assert len(call.improvement_risk_ids) == len(call.evaluation.improvements)
            if call.status is Status.CLOSED:
                assert call.evaluation is not None
                assert call.fulfilment is not None or any(
                    type(event).__name__ == "NegotiationFailed" for event in self.world.log[call.id]
                )

    @invariant()
    def a_closed_parent_has_only_finished_children(self) -> None:
        for call in self.calls:
            if call.status is Status.CLOSED:
                for child in self.children_of(call):
                    assert child.status in (Status.CLOSED, Status.ABORTED), child.tracking_number

    @invariant()
    def a_fulfilled_change_has_a_fulfilled_operate_child(self) -> None:
        for call in self.calls:
            if isinstance(call, ChangeCall) and call.fulfilment is not None:
                assert any(
                    child.process is Process.OPERATE and child.fulfilment is not None
                    for child in self.children_of(call)
                )

    @invariant()
    def an_incident_needing_a_change_is_fulfilled_only_through_a_fulfilled_change(self) -> None:
        for call in self.calls:
            if (
                isinstance(call, IncidentCall)
                and call.fulfilment is not None
                and call.route is not RecoveryRoute.OPERATE
            ):
                assert any(
                    child.process is Process.CHANGE and child.fulfilment is not None
                    for child in self.children_of(call)
                ), call.tracking_number

    @invariant()
    def agreements_come_into_force_only_after_the_realization_updated_the_mir(self) -> None:
        for agreement in self.tree.agreements:
            if any(status == AgreementStatus.IN_FORCE.value for status, _ in agreement.history):
                wish = next(c for c in self.tree.calls if c.id == agreement.wish_call_id)
                assert any(
                    child.process is Process.CHANGE
                    and child.status is Status.CLOSED
                    and child.fulfilment is not None
                    and getattr(child, "updated_mic_ids", None)
                    for child in self.children_of(wish)
                ), agreement.code

    @invariant()
    def a_customer_has_at_most_one_sa_in_force(self) -> None:
        in_force = [
            a
            for a in self.world.agreements.values()
            if a.is_in_force and a.kind is AgreementKind.SA
        ]
        assert len({a.customer for a in in_force}) == len(in_force)

    @invariant()
    def the_workflow_once_resolved_never_changes_and_belongs_to_the_root(self) -> None:
        for call in self.calls:
            root = self.root_of(call)
            if call.workflow is not None:
                assert WORKFLOWS[call.workflow].root_process is root.process
                assert self.first_workflow.setdefault(call.id, call.workflow) is call.workflow
            if not call.is_root:
                assert call.workflow is not None and call.workflow is root.workflow

    @invariant()
    def a_measure_is_selected_only_for_a_known_error(self) -> None:
        for call in self.calls:
            if isinstance(call, RiskCall) and hasattr(call, "measure_target"):
                assert call.known_error and call.measure_target in (
                    Process.AGREE,
                    Process.CHANGE,
                    Process.OPERATE,
                )

    @invariant()
    def a_recovery_goes_through_change_iff_it_modifies_registered_components(self) -> None:
        for call in self.calls:
            if isinstance(call, IncidentCall):
                for event in self.world.log[call.id]:
                    if type(event).__name__ == "RecoveryPrepared":
                        assert (event.route != "operate") == bool(event.registered_mic_ids)

    def teardown(self) -> None:
        for aggregate in self.aggregates():
            rebuilt = replay(self.world.log[aggregate.id])
            assert type(rebuilt) is type(aggregate)
            assert state(rebuilt) == state(aggregate), f"replay differs for {aggregate!r}"


TestCallTrees = CallTreeMachine.TestCase
TestCallTrees.settings = settings(
    max_examples=60,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflow=st.sampled_from(list(WorkflowType)), steps=st.integers(0, 30))
def test_replaying_the_events_of_a_partly_run_workflow_rebuilds_the_live_aggregates(
    workflow: WorkflowType, steps: int
) -> None:
    # given: a finished workflow, then a fresh root of the same kind driven ``steps`` steps
    finished = run_workflow(workflow)
    world = finished.world
    partial = Tree(world, route=finished.route, measure=finished.measure)
    root = world.submit(finished.root.call_type, mic_ids=list(finished.root.mic_ids))
    partial.calls.append(root)
    for _ in range(steps):
        if not root.is_open:
            break
        do_step(partial, root)
    partial.flush()
    # when / then
    for aggregate in [*world.aggregates(), *finished.aggregates(), *partial.aggregates()]:
        rebuilt = replay(world.log[aggregate.id])
        assert type(rebuilt) is type(aggregate)
        assert rebuilt.version == aggregate.version
        assert state(rebuilt) == state(aggregate)
