"""An RFC, handled by Change: plan, prepare, test & release, deploy via Operate, update MIR."""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.call import Call
from domain.calls.children import ChildOutcome
from domain.calls.errors import (
    ChangeWindowError,
    DeploymentRequiredError,
    MirUpdateNotAllowedError,
)
from domain.patterns import CallType, Process, Status
from domain.shared import CallAuthority, EventMeta


class ChangeCall(Call):
    call_type = CallType.RFC

    class Planned(Aggregate.Event):
        meta: EventMeta
        change_category: str
        change_plan: str
        scheduled_start: datetime
        scheduled_end: datetime
        release: str | None

    def plan(
        self,
        meta: EventMeta,
        change_category: str,
        change_plan: str,
        scheduled_start: datetime,
        scheduled_end: datetime,
        release: str | None = None,
    ) -> None:
        """Agree the change plan with those involved and put it on the change calendar."""
        self._require_step("plan", "plan the change")
        if _is_naive(scheduled_start) or _is_naive(scheduled_end):
            raise ChangeWindowError("a change window needs timezone-aware start and end times")
        if scheduled_end <= scheduled_start:
            raise ChangeWindowError("a change window must end after it starts")
        self._record_plan(
            meta=meta,
            change_category=change_category,
            change_plan=change_plan,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            release=release,
        )

    @event(Planned)
    def _record_plan(
        self,
        meta: EventMeta,
        change_category: str,
        change_plan: str,
        scheduled_start: datetime,
        scheduled_end: datetime,
        release: str | None,
    ) -> None:
        self.status = Status.IN_PROGRESS
        self.change_category = change_category
        self.scheduled_start, self.scheduled_end = scheduled_start, scheduled_end
        self._advance(meta)

    class Prepared(Aggregate.Event):
        meta: EventMeta
        test_plan: str
        deployment_plan: str
        continuity_plan_updated: bool

    def prepare(
        self, meta: EventMeta, test_plan: str, deployment_plan: str, continuity_plan_updated: bool
    ) -> None:
        """Build the change and draft its test and deployment plans."""
        self._require_step("prepare", "prepare the change")
        self._record_preparation(
            meta=meta,
            test_plan=test_plan,
            deployment_plan=deployment_plan,
            continuity_plan_updated=continuity_plan_updated,
        )

    @event(Prepared)
    def _record_preparation(
        self, meta: EventMeta, test_plan: str, deployment_plan: str, continuity_plan_updated: bool
    ) -> None:
        self._advance(meta)

    class ApprovedForProduction(Aggregate.Event):
        meta: EventMeta
        test_report: str
        approver: str

    class RejectedAtTest(Aggregate.Event):
        meta: EventMeta
        test_report: str
        approver: str

    def test_and_release(
        self, meta: EventMeta, test_report: str, approved: bool, approver: str
    ) -> None:
        """Assess the test report: approve for production, or send back to preparation."""
        self._require_step("test_release", "test and release the change")
        if approved:
            self._record_approval(meta=meta, test_report=test_report, approver=approver)
        else:
            self._record_test_rejection(meta=meta, test_report=test_report, approver=approver)

    @event(ApprovedForProduction)
    def _record_approval(self, meta: EventMeta, test_report: str, approver: str) -> None:
        self.approved_for_production = True
        self._advance(meta)

    @event(RejectedAtTest)
    def _record_test_rejection(self, meta: EventMeta, test_report: str, approver: str) -> None:
        self._visit(meta)
        self.step = "prepare"

    def _deployment_fulfilled(self) -> bool:
        return any(
            link.process is Process.OPERATE and link.outcome is ChildOutcome.FULFILLED
            for link in self.children.values()
        )

    def _check_deliverable(self) -> None:
        if not self._deployment_fulfilled():
            raise DeploymentRequiredError(
                f"change {self.tracking_number} has no fulfilled "
                "Operate deployment; production changes go via Operate"
            )

    def mir_authority(self) -> CallAuthority:
        """Authority to change the MIR: approved, deployed through Operate, at 'update_mir'."""
        if self.step != "update_mir" or not self.is_open:
            raise MirUpdateNotAllowedError(
                f"change {self.tracking_number} is at step "
                f"'{self.step}'; the MIR changes only at 'update_mir'"
            )
        if not getattr(self, "approved_for_production", False) or not self._deployment_fulfilled():
            raise MirUpdateNotAllowedError(
                f"change {self.tracking_number} was not approved and deployed through Operate"
            )
        return self.authority()

    class MirUpdated(Aggregate.Event):
        meta: EventMeta
        mic_ids: list[UUID]

    def record_mir_update(self, meta: EventMeta, mic_ids: list[UUID]) -> None:
        """Record which MIR entries this change registered, changed or retired."""
        self.check_mir_update(mic_ids)
        self._record_mir_update(meta=meta, mic_ids=list(mic_ids))

    def check_mir_update(self, mic_ids: list[UUID]) -> None:
        """Raise unless this change may now record an update of these MIR entries."""
        self.mir_authority()
        if not mic_ids:
            raise MirUpdateNotAllowedError(
                "a change updates at least one MIR entry; a "
                "modification outside the MIR is a service request"
            )

    @event(MirUpdated)
    def _record_mir_update(self, meta: EventMeta, mic_ids: list[UUID]) -> None:
        self.updated_mic_ids = list(mic_ids)
        self._advance(meta)


def _is_naive(moment: datetime) -> bool:
    return moment.tzinfo is None or moment.utcoffset() is None
