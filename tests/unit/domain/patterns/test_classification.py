"""ClassificationScheme: serialization round-trip and rejection of incomplete tables."""

import json

import pytest

from domain.patterns import (
    ClassificationError,
    ClassificationScheme,
    Effect,
    Impact,
    Likelihood,
    Urgency,
)
from domain.shared import DomainError


def test_default_scheme_round_trips_through_dict_and_json() -> None:
    scheme = ClassificationScheme(version=1)
    data = json.loads(json.dumps(scheme.to_dict()))
    assert ClassificationScheme.from_dict(data) == scheme


def test_custom_scheme_round_trips() -> None:
    base = ClassificationScheme(version=1)
    priority = {**base.priority_matrix, (Impact.NIL, Urgency.LOW): "P4"}
    scheme = ClassificationScheme(3, ("network", "access"), priority, dict(base.risk_matrix))
    restored = ClassificationScheme.from_dict(scheme.to_dict())
    assert restored == scheme
    assert restored.priority(Impact.NIL, Urgency.LOW) == "P4"
    assert restored.risk_level(Effect.SEVERE, Likelihood.ALMOST_CERTAIN) == "critical"


@pytest.mark.parametrize("matrix", ["priority_matrix", "risk_matrix"])
def test_from_dict_rejects_an_incomplete_matrix(matrix: str) -> None:
    data = ClassificationScheme(version=1).to_dict()
    cells = dict(data[matrix])
    cells.pop(next(iter(cells)))
    data[matrix] = cells
    with pytest.raises(ClassificationError, match="misses 1 cells"):
        ClassificationScheme.from_dict(data)


def test_constructor_rejects_an_incomplete_priority_matrix() -> None:
    priority = dict(ClassificationScheme(version=1).priority_matrix)
    del priority[(Impact.HIGH, Urgency.HIGH)]
    with pytest.raises(ClassificationError):
        ClassificationScheme(1, priority_matrix=priority)


def test_constructor_rejects_an_incomplete_risk_matrix() -> None:
    risk = dict(ClassificationScheme(version=1).risk_matrix)
    del risk[(Effect.MINOR, Likelihood.RARE)]
    with pytest.raises(ClassificationError):
        ClassificationScheme(1, risk_matrix=risk)


@pytest.mark.parametrize(
    "change",
    [
        {"priority_matrix": {"huge/high": "P1"}},
        {"version": "one"},
        {"categories": []},
    ],
    ids=["unknown-impact", "bad-version", "no-categories"],
)
def test_from_dict_rejects_malformed_data(change: dict[str, object]) -> None:
    data = {**ClassificationScheme(version=1).to_dict(), **change}
    with pytest.raises(ClassificationError):
        ClassificationScheme.from_dict(data)


def test_from_dict_rejects_missing_keys() -> None:
    data = ClassificationScheme(version=1).to_dict()
    del data["risk_matrix"]
    with pytest.raises(ClassificationError, match="malformed"):
        ClassificationScheme.from_dict(data)


def test_a_malformed_scheme_is_refused_with_a_domain_error() -> None:
    assert issubclass(ClassificationError, DomainError)
    with pytest.raises(DomainError, match="a scheme version starts at 1"):
        ClassificationScheme(version=0)
