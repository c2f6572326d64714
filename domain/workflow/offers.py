"""Agreements made through a wish: offer, negotiation, agreement, entry into force."""

from dataclasses import dataclass, field
from uuid import UUID

from domain.agreements import (
    Agreement,
    HandlingTarget,
    IncompleteCompositionError,
    SupersessionError,
)
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
    """After realization the agreements take effect and replace the versions they supersede.

    All or nothing: the wish must have finished its realization (its RFC updated the MIR
    and was closed), every agreement must be agreed by this wish, and ``predecessors``
    must be exactly the agreements in force that the new ones supersede. Only then is
    anything recorded.
    """
    authority = wish.realization_authority()
    _require_distinct(agreements, "agreement")
    _require_distinct(predecessors, "predecessor")
    for agreement in agreements:
        agreement.check_put_in_force(authority)
    replacements = _replacements(wish, agreements, predecessors)
    for old, successor in replacements:
        old.check_supersede(authority, successor.id)
    for agreement in agreements:
        agreement.put_in_force(meta, authority)
    for old, successor in replacements:
        old.supersede(meta, authority, successor.id)


def _require_distinct(agreements: list[Agreement], role: str) -> None:
    seen: set[UUID] = set()
    for agreement in agreements:
        if agreement.id in seen:
            raise SupersessionError(f"{role} {agreement.code} is named twice")
        seen.add(agreement.id)


def _replacements(
    wish: WishCall, agreements: list[Agreement], predecessors: list[Agreement]
) -> list[tuple[Agreement, Agreement]]:
    """Pair each predecessor with the one new agreement that supersedes it."""
    replacements = []
    for old in predecessors:
        successors = [a for a in agreements if a.supersedes == old.id]
        if not successors:
            raise SupersessionError(
                f"agreement {old.code} is not superseded by any agreement of the offer of "
                f"{wish.tracking_number}"
            )
        if len(successors) > 1:
            raise SupersessionError(
                f"agreements {', '.join(a.code for a in successors)} all supersede "
                f"{old.code}; one new version replaces an agreement"
            )
        replacements.append((old, successors[0]))
    handed_over = {old.id for old in predecessors}
    for agreement in agreements:
        if agreement.supersedes is not None and agreement.supersedes not in handed_over:
            raise SupersessionError(
                f"agreement {agreement.code} supersedes {agreement.supersedes}, which was not "
                "handed over; the version it replaces must be superseded at the same time"
            )
    return replacements


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
