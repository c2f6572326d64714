"""Classification schemes: categories, impact × urgency → priority, effect × likelihood → risk.

USM leaves the classes to each organization; the defaults below are the ``usm-patterns@1``
starting point a tenant adopts and may then replace with its own published versions.
"""

from dataclasses import dataclass, field
from typing import Any

from domain.patterns.vocabulary import Effect, Impact, Likelihood, Urgency
from domain.shared.errors import DomainError

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RISK_LEVELS = ("critical", "high", "medium", "low")

_I, _U, _E, _L = Impact, Urgency, Effect, Likelihood

DEFAULT_PRIORITY_MATRIX: dict[tuple[Impact, Urgency], str] = {
    (_I.HIGH, _U.HIGH): "P1",
    (_I.HIGH, _U.MEDIUM): "P2",
    (_I.HIGH, _U.LOW): "P3",
    (_I.MEDIUM, _U.HIGH): "P2",
    (_I.MEDIUM, _U.MEDIUM): "P3",
    (_I.MEDIUM, _U.LOW): "P4",
    (_I.LOW, _U.HIGH): "P3",
    (_I.LOW, _U.MEDIUM): "P4",
    (_I.LOW, _U.LOW): "P5",
    (_I.NIL, _U.HIGH): "P4",
    (_I.NIL, _U.MEDIUM): "P5",
    (_I.NIL, _U.LOW): "P5",
}

_RISK_ROWS: dict[Effect, tuple[str, str, str, str, str]] = {
    # likelihood: almost certain, likely, possible, unlikely, rare
    _E.SEVERE: ("critical", "critical", "high", "high", "medium"),
    _E.MAJOR: ("critical", "high", "high", "medium", "low"),
    _E.MODERATE: ("high", "medium", "medium", "low", "low"),
    _E.MINOR: ("medium", "low", "low", "low", "low"),
}
DEFAULT_RISK_MATRIX: dict[tuple[Effect, Likelihood], str] = {
    (effect, likelihood): row[index]
    for effect, row in _RISK_ROWS.items()
    for index, likelihood in enumerate(Likelihood)
}

DEFAULT_CATEGORIES = (
    "access",
    "application",
    "data",
    "facility",
    "hardware",
    "network",
    "security",
    "service delivery",
)


class ClassificationError(DomainError):
    """A scheme that is incomplete or names an unknown class."""

    code = "classification-scheme-invalid"


@dataclass(frozen=True)
class ClassificationScheme:
    """One published version of a tenant's classification tables."""

    version: int
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    priority_matrix: dict[tuple[Impact, Urgency], str] = field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_MATRIX)
    )
    risk_matrix: dict[tuple[Effect, Likelihood], str] = field(
        default_factory=lambda: dict(DEFAULT_RISK_MATRIX)
    )

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ClassificationError("a scheme version starts at 1")
        if not self.categories:
            raise ClassificationError("a scheme needs at least one category")
        missing = {(i, u) for i in Impact for u in Urgency} - set(self.priority_matrix)
        if missing:
            raise ClassificationError(f"priority matrix misses {len(missing)} cells")
        missing_risk = {(e, lk) for e in Effect for lk in Likelihood} - set(self.risk_matrix)
        if missing_risk:
            raise ClassificationError(f"risk matrix misses {len(missing_risk)} cells")

    def priority(self, impact: Impact, urgency: Urgency) -> str:
        return self.priority_matrix[(impact, urgency)]

    def risk_level(self, effect: Effect, likelihood: Likelihood) -> str:
        return self.risk_matrix[(effect, likelihood)]

    def has_category(self, category: str) -> bool:
        return category in self.categories

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form, as events store it."""
        return {
            "version": self.version,
            "categories": list(self.categories),
            "priority_matrix": {
                f"{i.value}/{u.value}": p for (i, u), p in sorted(self.priority_matrix.items())
            },
            "risk_matrix": {
                f"{e.value}/{lk.value}": r for (e, lk), r in sorted(self.risk_matrix.items())
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ClassificationScheme":
        try:
            priority = {
                (Impact(i), Urgency(u)): p
                for key, p in data["priority_matrix"].items()
                for i, u in [key.split("/")]
            }
            risk = {
                (Effect(e), Likelihood(lk)): r
                for key, r in data["risk_matrix"].items()
                for e, lk in [key.split("/")]
            }
            return cls(int(data["version"]), tuple(data["categories"]), priority, risk)
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise ClassificationError(f"malformed classification scheme: {error}") from None
