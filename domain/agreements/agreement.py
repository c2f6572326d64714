"""An agreement (SA with a customer, OLA with an internal team, UC with a supplier).

It is created and changed only through an Agree call: every command takes the wish's
:class:`CallAuthority`, and the agreement checks that the call is an Agree call at the
step the action belongs to.
"""

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.agreements.errors import (
    AgreeCallRequiredError,
    AgreementTransitionError,
    SupersessionError,
)
from domain.agreements.targets import HandlingTarget, decode_targets, encode_targets
from domain.patterns import AgreementKind
from domain.shared import CallAuthority, EventMeta, aggregate_id


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    IN_FORCE = "in force"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"


_S = AgreementStatus


class Agreement(Aggregate):
    @staticmethod
    def create_id(meta: EventMeta, code: str) -> UUID:
        return aggregate_id(meta.tenant_id, "agreement", code)

    class Drafted(Aggregate.Created):
        meta: EventMeta
        wish_call_id: UUID
        code: str
        kind: str
        title: str
        provider: str
        customer: str
        service_ids: list[UUID]
        handling_targets: dict[str, dict[str, int]]
        specification: str
        supersedes: UUID | None

    @event(Drafted)
    def __init__(
        self,
        meta: EventMeta,
        wish_call_id: UUID,
        code: str,
        kind: str,
        title: str,
        provider: str,
        customer: str,
        service_ids: list[UUID],
        handling_targets: dict[str, dict[str, int]],
        specification: str,
        supersedes: UUID | None,
    ) -> None:
        self.tenant_id, self.wish_call_id, self.code = meta.tenant_id, wish_call_id, code
        self.kind, self.title = AgreementKind(kind), title
        self.provider, self.customer = provider, customer
        self.service_ids = list(service_ids)
        self.handling_targets = decode_targets(handling_targets)
        self.specification, self.supersedes = specification, supersedes
        self.status = AgreementStatus.DRAFT
        self.superseded_by: UUID | None = None
        self.history: list[tuple[str, UUID]] = [("drafted", wish_call_id)]

    @classmethod
    def draft(
        cls,
        meta: EventMeta,
        authority: CallAuthority,
        code: str,
        kind: AgreementKind,
        title: str,
        provider: str,
        customer: str,
        service_ids: list[UUID],
        handling_targets: dict[str, HandlingTarget],
        specification: str,
        supersedes: UUID | None = None,
    ) -> "Agreement":
        """Draft an offer's agreement from an Agree call at 'draft_offer'."""
        _require_agree_call(authority, "draft_offer", "draft an agreement")
        if not service_ids:
            raise AgreementTransitionError(f"agreement {code} must cover at least one service")
        return cls(
            meta=meta,
            wish_call_id=authority.call_id,
            code=code,
            kind=kind.value,
            title=title,
            provider=provider,
            customer=customer,
            service_ids=list(service_ids),
            handling_targets=encode_targets(handling_targets),
            specification=specification,
            supersedes=supersedes,
        )

    def covers(self, service_id: UUID) -> bool:
        return service_id in self.service_ids

    @property
    def is_in_force(self) -> bool:
        return self.status is AgreementStatus.IN_FORCE

    class Transitioned(Aggregate.Event):
        meta: EventMeta
        call_id: UUID
        to_status: str
        note: str

    def negotiate(self, meta: EventMeta, authority: CallAuthority, note: str) -> None:
        self._transition(
            meta, authority, "negotiate", (_S.DRAFT, _S.NEGOTIATING), _S.NEGOTIATING, note
        )

    def agree(self, meta: EventMeta, authority: CallAuthority) -> None:
        self._transition(
            meta, authority, "negotiate", (_S.DRAFT, _S.NEGOTIATING), _S.AGREED, "agreed"
        )

    def withdraw(self, meta: EventMeta, authority: CallAuthority, reason: str) -> None:
        self._transition(
            meta, authority, "negotiate", (_S.DRAFT, _S.NEGOTIATING), _S.WITHDRAWN, reason
        )

    def put_in_force(self, meta: EventMeta, authority: CallAuthority) -> None:
        """In force once the realization went through Change (the wish is back at review).

        That the realization updated the MIR is the wish's to check: see
        ``WishCall.realization_authority`` and ``domain.workflow.put_in_force``.
        """
        self.check_put_in_force(authority)
        self._record_transition(
            meta=meta, call_id=authority.call_id, to_status=_S.IN_FORCE.value, note="in force"
        )

    def check_put_in_force(self, authority: CallAuthority) -> None:
        """Raise unless ``authority`` may put this agreement in force now; changes nothing."""
        self._check_transition(authority, "review", (_S.AGREED,), _S.IN_FORCE)

    def terminate(self, meta: EventMeta, authority: CallAuthority, reason: str) -> None:
        self._transition(
            meta, authority, "negotiate", (_S.IN_FORCE,), _S.TERMINATED, reason, own_wish_only=False
        )

    def _transition(
        self,
        meta: EventMeta,
        authority: CallAuthority,
        step: str,
        allowed: tuple[AgreementStatus, ...],
        target: AgreementStatus,
        note: str,
        own_wish_only: bool = True,
    ) -> None:
        self._check_transition(authority, step, allowed, target, own_wish_only)
        self._record_transition(
            meta=meta, call_id=authority.call_id, to_status=target.value, note=note
        )

    def _check_transition(
        self,
        authority: CallAuthority,
        step: str,
        allowed: tuple[AgreementStatus, ...],
        target: AgreementStatus,
        own_wish_only: bool = True,
    ) -> None:
        _require_agree_call(authority, step, f"make agreement {self.code} {target.value}")
        if own_wish_only and authority.call_id != self.wish_call_id:
            raise AgreeCallRequiredError(
                f"agreement {self.code} is handled by its own wish, not {authority.tracking_number}"
            )
        if self.status not in allowed:
            raise AgreementTransitionError(
                f"agreement {self.code} is {self.status.value}; it cannot become {target.value}"
            )

    @event(Transitioned)
    def _record_transition(self, meta: EventMeta, call_id: UUID, to_status: str, note: str) -> None:
        self.status = AgreementStatus(to_status)
        self.history.append((to_status, call_id))

    class Superseded(Aggregate.Event):
        meta: EventMeta
        call_id: UUID
        superseded_by: UUID

    def supersede(self, meta: EventMeta, authority: CallAuthority, successor_id: UUID) -> None:
        """A new version agreed through a later wish replaces this one."""
        self.check_supersede(authority, successor_id)
        self._record_supersession(meta=meta, call_id=authority.call_id, superseded_by=successor_id)

    def check_supersede(self, authority: CallAuthority, successor_id: UUID) -> None:
        """Raise unless ``authority`` may replace this agreement now; changes nothing."""
        _require_agree_call(authority, "review", f"supersede agreement {self.code}")
        if self.status is not AgreementStatus.IN_FORCE:
            raise AgreementTransitionError(
                f"agreement {self.code} is {self.status.value}; only "
                "an agreement in force can be superseded"
            )
        if successor_id == self.id:
            raise SupersessionError(f"agreement {self.code} cannot supersede itself")

    @event(Superseded)
    def _record_supersession(self, meta: EventMeta, call_id: UUID, superseded_by: UUID) -> None:
        self.status, self.superseded_by = AgreementStatus.SUPERSEDED, superseded_by
        self.history.append((AgreementStatus.SUPERSEDED.value, call_id))


def _require_agree_call(authority: CallAuthority, step: str, action: str) -> None:
    if authority.process != "agree" or authority.step != step:
        raise AgreeCallRequiredError(
            f"only an Agree call at step '{step}' may {action}; {authority.tracking_number} is "
            f"a {authority.process} call at step '{authority.step}'"
        )
