"""The MIR update step of a Change call: all MIC mutations of one change, together."""

from collections.abc import Collection
from dataclasses import dataclass, field
from uuid import UUID

from domain.calls import ChangeCall
from domain.mir import (
    ManagedInfrastructureComponent,
    MicAlreadyRegisteredError,
    MicClass,
    MirError,
    UnknownMicError,
)
from domain.mir.component import attribute_change_problem, relation_problem, retired_problem
from domain.shared import EventMeta


@dataclass(frozen=True)
class RegisterMic:
    code: str
    mic_class: MicClass
    name: str
    owner: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeMicAttributes:
    mic_id: UUID
    changes: dict[str, str | None]


@dataclass(frozen=True)
class RelateMics:
    mic_id: UUID
    relation: str
    target_id: UUID


@dataclass(frozen=True)
class RetireMic:
    mic_id: UUID
    reason: str


MirOperation = RegisterMic | ChangeMicAttributes | RelateMics | RetireMic


def update_mir(
    change: ChangeCall,
    meta: EventMeta,
    operations: list[MirOperation],
    existing: dict[UUID, ManagedInfrastructureComponent],
    registered_codes: Collection[str] = frozenset(),
) -> list[ManagedInfrastructureComponent]:
    """Apply the change's MIR operations; returns every MIC created or modified.

    All or nothing: every operation is checked against the MIR as the earlier operations
    of the batch leave it before any MIC (or the change) records an event.

    ``existing`` holds the MICs the operations refer to by id. A code may be registered
    only if it is not in the MIR yet: not the code of a MIC in ``existing`` (nor its id),
    not in ``registered_codes`` (the codes of this batch's ``RegisterMic`` operations the
    caller found already registered), and not registered twice in the batch.
    """
    authority = change.mir_authority()
    touched_ids = _MirPlan(meta, existing, registered_codes).check(operations)
    change.check_mir_update(touched_ids)
    touched: dict[UUID, ManagedInfrastructureComponent] = {}
    for operation in operations:
        if isinstance(operation, RegisterMic):
            mic = ManagedInfrastructureComponent.register(
                meta,
                authority,
                operation.code,
                operation.mic_class,
                operation.name,
                operation.owner,
                operation.attributes,
            )
            touched[mic.id] = mic
            continue
        mic = touched.get(operation.mic_id) or existing[operation.mic_id]
        if isinstance(operation, ChangeMicAttributes):
            mic.change_attributes(meta, authority, operation.changes)
        elif isinstance(operation, RelateMics):
            mic.relate(meta, authority, operation.relation, operation.target_id)
        else:
            mic.retire(meta, authority, operation.reason)
        touched[mic.id] = mic
    change.record_mir_update(meta, list(touched))
    return list(touched.values())


@dataclass
class _PlannedMic:
    """What the validation needs to know of a MIC, as the batch changes it."""

    code: str
    attributes: set[str]
    relations: set[tuple[str, UUID]]
    retired: bool


class _MirPlan:
    """Runs a batch of operations against a model of the MIR, refusing the first bad one."""

    def __init__(
        self,
        meta: EventMeta,
        existing: dict[UUID, ManagedInfrastructureComponent],
        registered_codes: Collection[str],
    ) -> None:
        self.meta, self.existing = meta, existing
        self.taken_codes = {*registered_codes, *(mic.code for mic in existing.values())}
        self.mics: dict[UUID, _PlannedMic] = {}

    def check(self, operations: list[MirOperation]) -> list[UUID]:
        """The ids of the MICs the operations touch, in order; raises MirError if one fails."""
        touched: dict[UUID, None] = {}
        for operation in operations:
            touched[self._check(operation)] = None
        return list(touched)

    def _check(self, operation: MirOperation) -> UUID:
        if isinstance(operation, RegisterMic):
            return self._register(operation)
        mic = self._mic(operation.mic_id)
        if mic.retired:
            raise MirError(retired_problem(mic.code))
        if isinstance(operation, ChangeMicAttributes):
            _refuse(attribute_change_problem(mic.code, mic.attributes, operation.changes))
            for name, value in operation.changes.items():
                if value is None:
                    mic.attributes.discard(name)
                else:
                    mic.attributes.add(name)
        elif isinstance(operation, RelateMics):
            relation = (operation.relation, operation.target_id)
            _refuse(relation_problem(mic.code, operation.mic_id, mic.relations, *relation))
            mic.relations.add(relation)
        else:
            mic.retired = True
        return operation.mic_id

    def _register(self, operation: RegisterMic) -> UUID:
        mic_id = ManagedInfrastructureComponent.create_id(self.meta, operation.code)
        if operation.code in self.taken_codes or mic_id in self.existing or mic_id in self.mics:
            raise MicAlreadyRegisteredError(
                f"MIR entry {operation.code} is already registered; change its attributes"
            )
        self.taken_codes.add(operation.code)
        self.mics[mic_id] = _PlannedMic(operation.code, set(operation.attributes), set(), False)
        return mic_id

    def _mic(self, mic_id: UUID) -> _PlannedMic:
        if mic_id not in self.mics:
            mic = self.existing.get(mic_id)
            if mic is None:
                raise UnknownMicError(f"MIC {mic_id} is not registered in the MIR")
            self.mics[mic_id] = _PlannedMic(
                mic.code, set(mic.attributes), set(mic.relations), mic.retired
            )
        return self.mics[mic_id]


def _refuse(problem: str | None) -> None:
    if problem:
        raise MirError(problem)
