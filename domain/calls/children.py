"""What a parent call knows about the child calls it forked."""

from dataclasses import dataclass
from enum import StrEnum

from domain.patterns import Process


class ChildOutcome(StrEnum):
    FULFILLED = "fulfilled"
    ABORTED = "aborted"
    NO_AGREEMENT = "no agreement"


@dataclass
class ChildLink:
    """A forked child: its process, its outcome once reached, and whether it is done.

    ``closed`` means the child is finished (closed, or aborted); ``aborted`` tells the
    two apart, so a parent can see whether a child that reached an outcome was then
    evaluated and closed (e.g. a Change that updated the MIR) or abandoned instead.
    """

    process: Process
    tracking_number: str
    outcome: ChildOutcome | None = None
    closed: bool = False
    aborted: bool = False

    @property
    def completed(self) -> bool:
        """Fulfilled, then evaluated and closed (not aborted)."""
        return self.outcome is ChildOutcome.FULFILLED and self.closed and not self.aborted
