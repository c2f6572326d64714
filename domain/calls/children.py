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
    """A forked child: its process, its outcome once reached, and whether it is closed."""

    process: Process
    tracking_number: str
    outcome: ChildOutcome | None = None
    closed: bool = False
