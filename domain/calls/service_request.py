"""A service request, handled by Operate: plan on the OPS calendar, execute, monitor."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.call import Call
from domain.calls.errors import WrongStatusError
from domain.patterns import CallType, Status
from domain.shared import EventMeta


class CalendarSection(StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"


class MonitoringSignal(StrEnum):
    """What a logged monitoring event indicates; failures and risks raise new calls."""

    INFORMATION = "information"
    FAILURE = "failure"
    RISK = "risk"


class ServiceRequestCall(Call):
    call_type = CallType.SERVICE_REQUEST

    class ActivitiesPlanned(Aggregate.Event):
        meta: EventMeta
        section: str
        planned_for: datetime
        activities: list[str]

    def plan_activities(
        self,
        meta: EventMeta,
        section: CalendarSection,
        planned_for: datetime,
        activities: list[str],
    ) -> None:
        """Put the activities on the OPS calendar (static or dynamic section)."""
        self._require_step("plan_activities", "plan the activities")
        if not activities:
            raise WrongStatusError("plan at least one activity")
        self._record_planning(
            meta=meta, section=section.value, planned_for=planned_for, activities=list(activities)
        )

    @event(ActivitiesPlanned)
    def _record_planning(
        self, meta: EventMeta, section: str, planned_for: datetime, activities: list[str]
    ) -> None:
        self.status = Status.IN_PROGRESS
        self.planned_for = planned_for
        self._advance(meta)

    class MonitoringEventLogged(Aggregate.Event):
        meta: EventMeta
        observation: str
        signal: str
        raised_call_id: UUID | None

    def log_monitoring_event(
        self,
        meta: EventMeta,
        observation: str,
        signal: MonitoringSignal,
        raised_call_id: UUID | None,
    ) -> None:
        """Log what was seen while executing; a failure or a risk must raise a new call."""
        self._require_step("execute_activities", "log a monitoring event")
        if (signal is MonitoringSignal.INFORMATION) != (raised_call_id is None):
            raise WrongStatusError("failures and risks raise a call; information does not")
        self._record_monitoring(
            meta=meta, observation=observation, signal=signal.value, raised_call_id=raised_call_id
        )

    @event(MonitoringEventLogged)
    def _record_monitoring(
        self, meta: EventMeta, observation: str, signal: str, raised_call_id: UUID | None
    ) -> None:
        self.updated_at = meta.occurred_at

    class ActivitiesExecuted(Aggregate.Event):
        meta: EventMeta
        result: str

    def execute_activities(self, meta: EventMeta, result: str) -> None:
        """Report the activities as executed as planned."""
        self._require_step("execute_activities", "execute the activities")
        self._record_execution(meta=meta, result=result)

    @event(ActivitiesExecuted)
    def _record_execution(self, meta: EventMeta, result: str) -> None:
        self._advance(meta)
