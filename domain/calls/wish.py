"""A wish, handled by Agree: specify the service, offer, negotiate, realize through Change."""

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.call import Call
from domain.calls.errors import RealizationPendingError, WrongStatusError
from domain.patterns import EVALUATE_CLOSE, REVIEW, CallType, Process, Status
from domain.shared import CallAuthority, EventMeta


class WishCall(Call):
    call_type = CallType.WISH
    negotiation_failed = False  # class default; set on the instance when negotiation fails

    class ServiceSpecified(Aggregate.Event):
        meta: EventMeta
        functional_design: str
        technical_design: str
        solution_teams: list[str]
        cost: int

    def specify_service(
        self,
        meta: EventMeta,
        functional_design: str,
        technical_design: str,
        solution_teams: list[str],
        cost: int,
    ) -> None:
        """Qualify the solution teams and assemble the technical design and its cost."""
        self._require_step("specify_service", "specify the service")
        if not solution_teams:
            raise WrongStatusError("a service specification names at least one solution team")
        if cost < 0:
            raise WrongStatusError("the cost of a service cannot be negative")
        self._record_specification(
            meta=meta,
            functional_design=functional_design,
            technical_design=technical_design,
            solution_teams=sorted(set(solution_teams)),
            cost=cost,
        )

    @event(ServiceSpecified)
    def _record_specification(
        self,
        meta: EventMeta,
        functional_design: str,
        technical_design: str,
        solution_teams: list[str],
        cost: int,
    ) -> None:
        self.solution_teams = list(solution_teams)
        self.cost = cost
        self._advance(meta)

    class OfferDrafted(Aggregate.Event):
        meta: EventMeta
        agreement_ids: list[UUID]

    def draft_offer(self, meta: EventMeta, agreement_ids: list[UUID]) -> None:
        """Record the drafted SA and the OLAs/UCs that underpin it."""
        self._require_step("draft_offer", "draft an offer")
        if not agreement_ids:
            raise WrongStatusError("an offer drafts at least one agreement")
        self._record_offer(meta=meta, agreement_ids=list(agreement_ids))

    @event(OfferDrafted)
    def _record_offer(self, meta: EventMeta, agreement_ids: list[UUID]) -> None:
        self.agreement_ids = list(agreement_ids)
        self._advance(meta)

    class NegotiationRoundRecorded(Aggregate.Event):
        meta: EventMeta
        note: str

    class AgreementReached(Aggregate.Event):
        meta: EventMeta

    class NegotiationFailed(Aggregate.Event):
        meta: EventMeta
        reason: str

    def record_negotiation_round(self, meta: EventMeta, note: str) -> None:
        self._require_step("negotiate", "record a negotiation round")
        self._record_round(meta=meta, note=note)

    def reach_agreement(self, meta: EventMeta) -> None:
        """The parties agree: the call moves on to realize the agreement."""
        self._require_step("negotiate", "reach an agreement")
        self._record_agreement(meta=meta)

    def fail_negotiation(self, meta: EventMeta, reason: str) -> None:
        """No agreement: teams are notified, reservations released, the call goes to close."""
        self._require_step("negotiate", "end the negotiation without agreement")
        self._record_failure(meta=meta, reason=reason)

    @event(NegotiationRoundRecorded)
    def _record_round(self, meta: EventMeta, note: str) -> None:
        self.negotiation_rounds = getattr(self, "negotiation_rounds", 0) + 1
        self._visit(meta)

    @event(AgreementReached)
    def _record_agreement(self, meta: EventMeta) -> None:
        self.status = Status.IN_PROGRESS
        self._advance(meta)

    @event(NegotiationFailed)
    def _record_failure(self, meta: EventMeta, reason: str) -> None:
        self._visit(meta)
        self.status, self.step = Status.NO_AGREEMENT, EVALUATE_CLOSE
        self.negotiation_failed = True

    @property
    def ended_without_agreement(self) -> bool:
        return self.negotiation_failed

    def realization_authority(self) -> CallAuthority:
        """Authority to put the agreed offer in force (usm-method.md §8.5).

        Agreements come into force only after the realization updated the MIR: the wish is
        at review, every realization RFC it forked is done (closed or aborted), and
        one of them was fulfilled and then closed — a Change closes only after
        its MIR update and its evaluation, so an aborted one does not count.
        """
        self._require_step(REVIEW, "put its agreements in force")
        open_children = [link.tracking_number for link in self.children.values() if not link.closed]
        if open_children:
            raise RealizationPendingError(
                f"the realization of {self.tracking_number} is not finished: "
                f"{', '.join(open_children)} must update the MIR and be evaluated and "
                "closed before the agreements come into force"
            )
        if not any(
            link.process is Process.CHANGE and link.completed for link in self.children.values()
        ):
            raise RealizationPendingError(
                f"no realization RFC of {self.tracking_number} updated the MIR and was "
                "closed; the agreements cannot come into force"
            )
        return self.authority()
