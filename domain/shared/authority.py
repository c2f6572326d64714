"""Proof, handed from a call to another aggregate, that the call may change it now.

Agreements change only through an Agree call and MIR entries only through a Change call
that reached its MIR update; those aggregates accept a :class:`CallAuthority` that only
the eligible call issues (after checking its own state), and check it once more.
"""

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CallAuthority:
    call_id: UUID
    tracking_number: str
    process: str
    step: str
