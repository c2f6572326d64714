"""The evaluation every call gets before it is closed (USM's five questions)."""

from dataclasses import dataclass
from typing import Any

from domain.calls.errors import InvalidEvaluationError


@dataclass(frozen=True)
class Evaluation:
    """Answers to: executed properly? recorded? learning points? a standard? improvements?

    Every entry in ``improvements`` becomes a new risk call, so the improvement loop of
    USM (Evaluate & close → Improve) cannot be skipped.
    """

    executed_properly: bool
    recorded_for_reporting: bool
    learning_points: str = ""
    potential_standard: bool = False
    improvements: tuple[str, ...] = ()
    residual_risk: str | None = None

    def __post_init__(self) -> None:
        if any(not text.strip() for text in self.improvements):
            raise InvalidEvaluationError("an improvement needs a description")

    def to_dict(self) -> dict[str, Any]:
        return {
            "executed_properly": self.executed_properly,
            "recorded_for_reporting": self.recorded_for_reporting,
            "learning_points": self.learning_points,
            "potential_standard": self.potential_standard,
            "improvements": list(self.improvements),
            "residual_risk": self.residual_risk,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Evaluation":
        return cls(
            executed_properly=bool(data["executed_properly"]),
            recorded_for_reporting=bool(data["recorded_for_reporting"]),
            learning_points=str(data.get("learning_points", "")),
            potential_standard=bool(data.get("potential_standard", False)),
            improvements=tuple(data.get("improvements", ())),
            residual_risk=data.get("residual_risk"),
        )
