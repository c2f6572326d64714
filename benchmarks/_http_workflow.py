"""The measured mix: incidents submitted and advanced, the same commands over HTTP or direct.

A workflow is one incident: submit, then accept, classify, analyze and prepare recovery, one
command each (1 submit : 4 advances). Each step exists twice, as the gateway's POST (path and
JSON body) and as the domain command the gateway turns it into, so both paths run the very
same commands in the very same order.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from benchmarks._http_client import CLIENT_ERRORS, Client
from benchmarks._http_server import ACTOR
from domain.calls import RecoveryRoute
from domain.commands import AcceptCall, AnalyzeIncident, ClassifyCall, PrepareRecovery, SubmitCall
from domain.patterns import CallType, Impact, Urgency
from domain.shared import CommandContext
from domain.shared.errors import DomainError
from gateway.api.runtime import utc_now
from tenants.errors import TenantError
from tenants.service_desk import ServiceDesk

SUMMARY = "Telecare portal fails at login"


@dataclass(frozen=True)
class Step:
    """One task on an incident: its POST under ``/t/{tenant}/calls/{id}/`` and its command."""

    path: str
    body: dict[str, Any]
    command: Callable[[UUID], object]


ADVANCES: tuple[Step, ...] = (
    Step("accept", {}, lambda call: AcceptCall(call_id=call)),
    Step(
        "classify",
        {"category": "application", "impact": "high", "urgency": "high"},
        lambda call: ClassifyCall(
            call_id=call, category="application", impact=Impact.HIGH, urgency=Urgency.HIGH
        ),
    ),
    Step(
        "analyze",
        {"solution": "cause isolated", "workaround": False},
        lambda call: AnalyzeIncident(call_id=call, solution="cause isolated", workaround=False),
    ),
    Step(
        "prepare-recovery",
        {"route": "operate"},
        lambda call: PrepareRecovery(call_id=call, route=RecoveryRoute.OPERATE),
    ),
)
COMMANDS_PER_WORKFLOW = 1 + len(ADVANCES)


@dataclass(frozen=True)
class Target:
    """A seeded tenant as both paths see it: its app (direct), its token (HTTP)."""

    slug: str
    app: ServiceDesk
    token: str
    customer: str
    service_id: UUID

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def submit_body(self) -> dict[str, Any]:
        return {
            "call_type": CallType.INCIDENT.value,
            "summary": SUMMARY,
            "customer": self.customer,
            "service_ids": [str(self.service_id)],
        }

    def submit_command(self) -> SubmitCall:
        # Over HTTP the gateway fills the requester in from the token's subject: the same.
        return SubmitCall(
            call_type=CallType.INCIDENT,
            summary=SUMMARY,
            requester=ACTOR,
            customer=self.customer,
            service_ids=[self.service_id],
        )


@dataclass
class Workflow:
    """One incident on its way; ``call_id`` None: the next command submits a fresh one."""

    target: Target
    call_id: UUID | None = None
    step: int = 0
    correlation_id: UUID = field(default_factory=uuid4)

    @property
    def command_name(self) -> str:
        return "submit" if self.call_id is None else ADVANCES[self.step].path

    def advanced(self, call_id: UUID) -> None:
        """The command went through: move on (after the last step, a fresh incident)."""
        if self.call_id is None:
            self.call_id, self.step = call_id, 0
            return
        self.step += 1
        if self.step == len(ADVANCES):
            self.restart()

    def restart(self) -> None:
        self.call_id, self.step, self.correlation_id = None, 0, uuid4()


@dataclass
class Outcome:
    """What a trial did: latencies (s) of the commands that went through, failures by kind."""

    latencies: list[float] = field(default_factory=list)
    commands: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def add(self, other: "Outcome") -> None:
        self.latencies += other.latencies
        self.commands.update(other.commands)
        self.failures.update(other.failures)


def run_direct(
    workflow: Workflow, outcome: Outcome, started: float, now: Callable[[], float]
) -> None:
    """Execute the workflow's next command on the tenant application, as the gateway would."""
    target, name = workflow.target, workflow.command_name
    command = (
        target.submit_command()
        if workflow.call_id is None
        else ADVANCES[workflow.step].command(workflow.call_id)
    )
    context = CommandContext(ACTOR, utc_now(), workflow.correlation_id, uuid4())
    try:
        result = target.app.execute(command, context)
    except (DomainError, TenantError) as error:
        outcome.failures[type(error).__name__] += 1
        workflow.restart()
        return
    outcome.latencies.append(now() - started)
    outcome.commands[name] += 1
    workflow.advanced(result.aggregate_id)


async def run_http(
    client: Client,
    workflow: Workflow,
    outcome: Outcome,
    started: float,
    now: Callable[[], float],
) -> None:
    """POST the workflow's next command to the gateway (``started``: when it was due)."""
    target, name = workflow.target, workflow.command_name
    if workflow.call_id is None:
        path, body = f"/t/{target.slug}/calls", target.submit_body()
    else:
        step = ADVANCES[workflow.step]
        path, body = f"/t/{target.slug}/calls/{workflow.call_id}/{step.path}", step.body
    headers = {**target.headers, "Correlation-Id": str(workflow.correlation_id)}
    try:
        response = await client.post(path, json=body, headers=headers)
    except CLIENT_ERRORS as error:
        outcome.failures[type(error).__name__] += 1
        workflow.restart()
        return
    if response.status_code not in (200, 201):
        outcome.failures[f"HTTP {response.status_code}"] += 1
        workflow.restart()
        return
    outcome.latencies.append(now() - started)
    outcome.commands[name] += 1
    workflow.advanced(UUID(response.json()["id"]))
