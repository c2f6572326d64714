"""Handling targets per priority, as an agreement states them."""

from dataclasses import dataclass

from domain.agreements.errors import InvalidHandlingTargetError
from domain.patterns.classification import PRIORITIES


@dataclass(frozen=True)
class HandlingTarget:
    """How fast calls of one priority are responded to and resolved, in minutes."""

    response_minutes: int
    resolution_minutes: int

    def __post_init__(self) -> None:
        if self.response_minutes <= 0 or self.resolution_minutes <= 0:
            raise InvalidHandlingTargetError("handling targets are positive durations")
        if self.response_minutes > self.resolution_minutes:
            raise InvalidHandlingTargetError(
                "a response target cannot exceed the resolution target"
            )


def encode_targets(targets: dict[str, HandlingTarget]) -> dict[str, dict[str, int]]:
    """Validate priorities and give the plain form events store."""
    unknown = set(targets) - set(PRIORITIES)
    if unknown:
        raise InvalidHandlingTargetError(f"unknown priorities: {', '.join(sorted(unknown))}")
    return {
        priority: {
            "response_minutes": target.response_minutes,
            "resolution_minutes": target.resolution_minutes,
        }
        for priority, target in sorted(targets.items())
    }


def decode_targets(data: dict[str, dict[str, int]]) -> dict[str, HandlingTarget]:
    return {priority: HandlingTarget(**values) for priority, values in data.items()}
