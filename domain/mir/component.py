"""A managed infrastructure component (MIC), registered in the MIR.

Every mutation carries the authority of a Change call that was approved for production,
deployed through Operate, and is now at its 'update_mir' step.
"""

from collections.abc import Collection
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared import CallAuthority, DomainError, EventMeta, aggregate_id


class MirError(DomainError):
    code = "mir-rule-violated"


class ChangeCallRequiredError(MirError):
    code = "change-call-required"


class MicAlreadyRegisteredError(MirError):
    code = "mic-already-registered"


class UnknownMicError(MirError):
    code = "mic-not-registered"


class MicClass(StrEnum):
    DOCUMENT = "document"
    SOFTWARE = "software"
    HARDWARE = "hardware"
    NETWORK = "network"
    ORGANIZATION = "organization"
    SERVICE = "service"
    AGREEMENT = "agreement"
    ROUTINE = "routine"


class ManagedInfrastructureComponent(Aggregate):
    @staticmethod
    def create_id(meta: EventMeta, code: str) -> UUID:
        return aggregate_id(meta.tenant_id, "mic", code)

    class Registered(Aggregate.Created):
        meta: EventMeta
        change_call_id: UUID
        code: str
        mic_class: str
        name: str
        owner: str
        attributes: dict[str, str]

    @event(Registered)
    def __init__(
        self,
        meta: EventMeta,
        change_call_id: UUID,
        code: str,
        mic_class: str,
        name: str,
        owner: str,
        attributes: dict[str, str],
    ) -> None:
        self.tenant_id, self.code, self.name = meta.tenant_id, code, name
        self.mic_class, self.owner = MicClass(mic_class), owner
        self.attributes = dict(attributes)
        self.relations: list[tuple[str, UUID]] = []
        self.retired = False
        self.change_call_ids = [change_call_id]

    @classmethod
    def register(
        cls,
        meta: EventMeta,
        authority: CallAuthority,
        code: str,
        mic_class: MicClass,
        name: str,
        owner: str,
        attributes: dict[str, str],
    ) -> "ManagedInfrastructureComponent":
        """Register a new MIC in the MIR."""
        _require_change_call(authority, f"register {code}")
        return cls(
            meta=meta,
            change_call_id=authority.call_id,
            code=code,
            mic_class=mic_class.value,
            name=name,
            owner=owner,
            attributes=dict(attributes),
        )

    class AttributesChanged(Aggregate.Event):
        meta: EventMeta
        change_call_id: UUID
        changes: dict[str, str | None]

    def change_attributes(
        self, meta: EventMeta, authority: CallAuthority, changes: dict[str, str | None]
    ) -> None:
        """Set (or, with None, remove) managed attributes."""
        self._require_changeable(authority, "change attributes of")
        problem = attribute_change_problem(self.code, self.attributes, changes)
        if problem:
            raise MirError(problem)
        self._record_attributes(meta=meta, change_call_id=authority.call_id, changes=changes)

    @event(AttributesChanged)
    def _record_attributes(
        self, meta: EventMeta, change_call_id: UUID, changes: dict[str, str | None]
    ) -> None:
        for name, value in changes.items():
            if value is None:
                del self.attributes[name]
            else:
                self.attributes[name] = value
        self.change_call_ids.append(change_call_id)

    class Related(Aggregate.Event):
        meta: EventMeta
        change_call_id: UUID
        relation: str
        target_id: UUID

    def relate(
        self, meta: EventMeta, authority: CallAuthority, relation: str, target_id: UUID
    ) -> None:
        """Add a relation (depends-on, part-of, supports-service) to another MIC."""
        self._require_changeable(authority, "relate")
        problem = relation_problem(self.code, self.id, self.relations, relation, target_id)
        if problem:
            raise MirError(problem)
        self._record_relation(
            meta=meta, change_call_id=authority.call_id, relation=relation, target_id=target_id
        )

    @event(Related)
    def _record_relation(
        self, meta: EventMeta, change_call_id: UUID, relation: str, target_id: UUID
    ) -> None:
        self.relations.append((relation, target_id))
        self.change_call_ids.append(change_call_id)

    class Retired(Aggregate.Event):
        meta: EventMeta
        change_call_id: UUID
        reason: str

    def retire(self, meta: EventMeta, authority: CallAuthority, reason: str) -> None:
        """Take the MIC out of the managed infrastructure."""
        self._require_changeable(authority, "retire")
        self._record_retirement(meta=meta, change_call_id=authority.call_id, reason=reason)

    @event(Retired)
    def _record_retirement(self, meta: EventMeta, change_call_id: UUID, reason: str) -> None:
        self.retired = True
        self.change_call_ids.append(change_call_id)

    def _require_changeable(self, authority: CallAuthority, action: str) -> None:
        _require_change_call(authority, f"{action} {self.code}")
        if self.retired:
            raise MirError(retired_problem(self.code))


def attribute_change_problem(
    code: str, attributes: Collection[str], changes: dict[str, str | None]
) -> str | None:
    """Why ``changes`` cannot apply to a MIC with these attribute names (None: they can)."""
    if not changes:
        return f"nothing to change on {code}"
    removed = [name for name, value in changes.items() if value is None and name not in attributes]
    if removed:
        return f"{code} has no attribute {', '.join(removed)}"
    return None


def relation_problem(
    code: str,
    mic_id: UUID,
    relations: Collection[tuple[str, UUID]],
    relation: str,
    target_id: UUID,
) -> str | None:
    """Why the MIC cannot get this relation (None: it can)."""
    if (relation, target_id) in relations or target_id == mic_id:
        return f"{code} already has that relation or points at itself"
    return None


def retired_problem(code: str) -> str:
    return f"{code} is retired"


def _require_change_call(authority: CallAuthority, action: str) -> None:
    if authority.process != "change" or authority.step != "update_mir":
        raise ChangeCallRequiredError(
            f"only a Change call at step 'update_mir' may {action}; {authority.tracking_number} "
            f"is a {authority.process} call at step '{authority.step}'"
        )
