"""An incident, handled by Recover: analyze, choose the recovery route, recover via a fork."""

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.call import Call
from domain.calls.children import ChildOutcome
from domain.calls.errors import RecoveryRouteError
from domain.patterns import CallType, Process, Status
from domain.shared import EventMeta


class RecoveryRoute(StrEnum):
    """CHANGE when a registered MIC must change; OPERATE otherwise; BOTH adds a workaround."""

    CHANGE = "change"
    OPERATE = "operate"
    BOTH = "both"


_TARGETS = {
    RecoveryRoute.CHANGE: (Process.CHANGE,),
    RecoveryRoute.OPERATE: (Process.OPERATE,),
    RecoveryRoute.BOTH: (Process.CHANGE, Process.OPERATE),
}


class IncidentCall(Call):
    call_type = CallType.INCIDENT

    class Analyzed(Aggregate.Event):
        meta: EventMeta
        solution: str
        workaround: bool
        knowledge_ref: str | None
        solution_team: str | None

    def analyze(
        self,
        meta: EventMeta,
        solution: str,
        workaround: bool = False,
        knowledge_ref: str | None = None,
        solution_team: str | None = None,
    ) -> None:
        """Match a known solution or route to a solution team until one is found."""
        self._require_step("analyze", "analyze the incident")
        if not solution.strip():
            raise RecoveryRouteError("analysis ends with a solution (or a workaround)")
        self._record_analysis(
            meta=meta,
            solution=solution,
            workaround=workaround,
            knowledge_ref=knowledge_ref,
            solution_team=solution_team,
        )

    @event(Analyzed)
    def _record_analysis(
        self,
        meta: EventMeta,
        solution: str,
        workaround: bool,
        knowledge_ref: str | None,
        solution_team: str | None,
    ) -> None:
        self.status = Status.IN_PROGRESS
        self.workaround_applied = workaround
        self.knowledge_ref = knowledge_ref
        self._advance(meta)

    class RecoveryPrepared(Aggregate.Event):
        meta: EventMeta
        route: str
        registered_mic_ids: list[UUID]

    def prepare_recovery(
        self, meta: EventMeta, route: RecoveryRoute, registered_mic_ids: list[UUID]
    ) -> None:
        """Choose the route; a recovery that modifies a registered MIC must go via Change."""
        self._require_step("prepare_recovery", "prepare the recovery")
        needs_change = bool(registered_mic_ids)
        if needs_change and route is RecoveryRoute.OPERATE:
            raise RecoveryRouteError(
                "the recovery modifies MIR-registered components, so it must go through Change"
            )
        if not needs_change and route is not RecoveryRoute.OPERATE:
            raise RecoveryRouteError(
                "no MIR-registered component is modified, so the "
                "recovery goes through Operate, not Change"
            )
        self._record_recovery_preparation(
            meta=meta, route=route.value, registered_mic_ids=list(registered_mic_ids)
        )

    @event(RecoveryPrepared)
    def _record_recovery_preparation(
        self, meta: EventMeta, route: str, registered_mic_ids: list[UUID]
    ) -> None:
        self.route = RecoveryRoute(route)
        self._advance(meta)

    def _check_fork_target(self, target: Process) -> None:
        allowed = _TARGETS[self.route]
        if target not in allowed:
            raise RecoveryRouteError(
                f"the chosen recovery route is {self.route.value}; "
                f"it does not fork to {target.value}"
            )
        if self.route is RecoveryRoute.BOTH and not self.children and target is not Process.CHANGE:
            raise RecoveryRouteError(
                "with route 'both' the change is forked first; the "
                "workaround service request follows"
            )

    def _check_deliverable(self) -> None:
        """Invariant 10: a recovery that modifies registered MICs is done only through Change.

        With route 'change' or 'both' a fulfilled Change child is required; a workaround
        service request alone does not recover the incident.
        """
        if self.route is RecoveryRoute.OPERATE:
            return
        if not any(
            link.process is Process.CHANGE and link.outcome is ChildOutcome.FULFILLED
            for link in self.children.values()
        ):
            raise RecoveryRouteError(
                f"incident {self.tracking_number} modifies MIR-registered components "
                f"(route {self.route.value}), so it is recovered only once a Change call is "
                "fulfilled; a workaround alone does not fulfil it"
            )
