"""Agreements made through a wish: offer, negotiation, agreement, entry into force."""

from dataclasses import dataclass, field
from uuid import UUID

from domain.agreements import Agreement, HandlingTarget, IncompleteCompositionError
from domain.calls import WishCall
from domain.organization import ServiceOrganization, TeamKind
from domain.patterns import AgreementKind
from domain.shared import EventMeta

_UNDERPINNING_KIND = {TeamKind.INTERNAL: AgreementKind.OLA, TeamKind.EXTERNAL: AgreementKind.UC}


@dataclass(frozen=True)
class AgreementDraft:
    """One agreement of an offer: the SA itself, or an OLA/UC underpinning it."""

    code: str
    kind: AgreementKind
    title: str
    provider: str
    customer: str
    service_ids: list[UUID]
    handling_targets: dict[str, HandlingTarget] = field(default_factory=dict)
    specification: str = ""
    supersedes: UUID | None = None


def draft_offer(wish: WishCall, meta: EventMeta, drafts: list[AgreementDraft]) -> list[Agreement]:
    """Draft the SA and its underpinning OLAs/UCs as the wish's offer."""
    authority = wish.authority()
    agreements = [
        Agreement.draft(
            meta,
            authority,
            d.code,
            d.kind,
            d.title,
            d.provider,
            d.customer,
            d.service_ids,
            d.handling_targets,
            d.specification,
            d.supersedes,
        )
        for d in drafts
    ]
    wish.draft_offer(meta, [agreement.id for agreement in agreements])
    return agreements


def record_negotiation_round(
    wish: WishCall, meta: EventMeta, agreements: list[Agreement], note: str
) -> None:
    authority = wish.authority()
    for agreement in agreements:
        agreement.negotiate(meta, authority, note)
    wish.record_negotiation_round(meta, note)


def reach_agreement(
    wish: WishCall, meta: EventMeta, agreements: list[Agreement], organization: ServiceOrganization
) -> None:
    """Agree the offer; each contributing solution team must be covered by an OLA or UC."""
    if wish.step != "negotiate":
        wish.reach_agreement(meta)  # refuses with the wish's step error; changes nothing
    _check_composition(wish, agreements, organization)
    authority = wish.authority()
    for agreement in agreements:
        agreement.agree(meta, authority)
    wish.reach_agreement(meta)


def fail_negotiation(
    wish: WishCall, meta: EventMeta, agreements: list[Agreement], reason: str
) -> None:
    """No agreement: the drafts are withdrawn and the wish goes to evaluation."""
    authority = wish.authority()
    for agreement in agreements:
        agreement.withdraw(meta, authority, reason)
    wish.fail_negotiation(meta, reason)


def put_in_force(
    wish: WishCall, meta: EventMeta, agreements: list[Agreement], predecessors: list[Agreement]
) -> None:
    """After realization the agreements take effect and replace the versions they supersede."""
    authority = wish.authority()
    for agreement in agreements:
        agreement.put_in_force(meta, authority)
    for old in predecessors:
        successor = next(a for a in agreements if a.supersedes == old.id)
        old.supersede(meta, authority, successor.id)


def _check_composition(
    wish: WishCall, agreements: list[Agreement], organization: ServiceOrganization
) -> None:
    if set(getattr(wish, "agreement_ids", ())) != {agreement.id for agreement in agreements}:
        raise IncompleteCompositionError(
            f"agree on the whole offer of {wish.tracking_number}: "
            "every drafted agreement, nothing else"
        )
    missing = [
        team
        for team in wish.solution_teams
        if not any(
            a.provider == team and a.kind is _UNDERPINNING_KIND[organization.team_kind(team)]
            for a in agreements
        )
    ]
    if missing and any(a.kind is AgreementKind.SA for a in agreements):
        raise IncompleteCompositionError(
            f"the offer of {wish.tracking_number} lacks an OLA (internal team) or UC "
            f"(supplier) for: {', '.join(missing)}"
        )
