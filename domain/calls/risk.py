"""A risk, handled by Improve: assess, find the root cause, select a measure, deploy it."""

from eventsourcing.domain import Aggregate, event

from domain.calls.call import Call
from domain.calls.errors import (
    MeasureError,
    UnknownCategoryError,
    WrongClassificationError,
    WrongStatusError,
)
from domain.calls.evaluation import Evaluation
from domain.patterns import (
    CLASSIFY,
    CallType,
    ClassificationScheme,
    Effect,
    Impact,
    Likelihood,
    Process,
    RiskKind,
    Status,
    Urgency,
)
from domain.shared import EventMeta

_MEASURE_TARGETS = (Process.AGREE, Process.CHANGE, Process.OPERATE)


class RiskCall(Call):
    call_type = CallType.RISK

    def classify(
        self,
        meta: EventMeta,
        scheme: ClassificationScheme,
        category: str,
        impact: Impact,
        urgency: Urgency,
    ) -> None:
        raise WrongClassificationError(
            "a risk is classified by effect × likelihood (assess it), not by impact × urgency"
        )

    class Assessed(Aggregate.Event):
        meta: EventMeta
        category: str
        kind: str
        effect: str
        likelihood: str
        risk_level: str
        business_impact: str
        scheme_version: int

    def assess(
        self,
        meta: EventMeta,
        scheme: ClassificationScheme,
        category: str,
        kind: RiskKind,
        effect: Effect,
        likelihood: Likelihood,
        business_impact: str,
    ) -> None:
        """Business impact analysis, then effect × likelihood → risk level (the heat map)."""
        self._require_step(CLASSIFY, "assess the risk")
        if not scheme.has_category(category):
            raise UnknownCategoryError(
                f"category {category!r} is not in classification scheme v{scheme.version}"
            )
        self._record_assessment(
            meta=meta,
            category=category,
            kind=kind.value,
            effect=effect.value,
            likelihood=likelihood.value,
            risk_level=scheme.risk_level(effect, likelihood),
            business_impact=business_impact,
            scheme_version=scheme.version,
        )

    @event(Assessed)
    def _record_assessment(
        self,
        meta: EventMeta,
        category: str,
        kind: str,
        effect: str,
        likelihood: str,
        risk_level: str,
        business_impact: str,
        scheme_version: int,
    ) -> None:
        self.category, self.scheme_version = category, scheme_version
        self.risk_kind, self.effect = RiskKind(kind), Effect(effect)
        self.likelihood, self.priority = Likelihood(likelihood), risk_level
        self.status = Status.CLASSIFIED
        self._advance(meta)

    class RootCauseDetermined(Aggregate.Event):
        meta: EventMeta
        root_cause: str

    def determine_cause(self, meta: EventMeta, root_cause: str) -> None:
        """Root cause analysis; once the cause is known the risk is a known error."""
        self._require_step("determine_cause", "determine the root cause")
        if not root_cause.strip():
            raise WrongStatusError("state the root cause that was found")
        self._record_root_cause(meta=meta, root_cause=root_cause)

    @event(RootCauseDetermined)
    def _record_root_cause(self, meta: EventMeta, root_cause: str) -> None:
        self.root_cause, self.known_error = root_cause, True
        self.status = Status.KNOWN_ERROR
        self._advance(meta)

    class MeasureSelected(Aggregate.Event):
        meta: EventMeta
        measure: str
        business_case: str
        expected_residual_risk: str
        target: str

    def select_measure(
        self,
        meta: EventMeta,
        measure: str,
        business_case: str,
        expected_residual_risk: str,
        target: Process,
    ) -> None:
        """Pick the measure with the best business case and the process that deploys it."""
        self._require_step("select_measure", "select a measure")
        if target not in _MEASURE_TARGETS:
            raise MeasureError("a measure is deployed through Agree, Change or Operate")
        self._record_measure(
            meta=meta,
            measure=measure,
            business_case=business_case,
            expected_residual_risk=expected_residual_risk,
            target=target.value,
        )

    @event(MeasureSelected)
    def _record_measure(
        self,
        meta: EventMeta,
        measure: str,
        business_case: str,
        expected_residual_risk: str,
        target: str,
    ) -> None:
        self.measure_target = Process(target)
        self.status = Status.IN_PROGRESS
        self._advance(meta)

    def _check_fork_target(self, target: Process) -> None:
        if target is not self.measure_target:
            raise MeasureError(
                f"the selected measure is deployed through "
                f"{self.measure_target.value}, not {target.value}"
            )

    def _check_evaluation(self, evaluation: Evaluation) -> None:
        if not evaluation.residual_risk:
            raise MeasureError("evaluating a risk records the residual risk after processing")
