"""The MIR update step of a Change call: all MIC mutations of one change, together."""

from dataclasses import dataclass, field
from uuid import UUID

from domain.calls import ChangeCall
from domain.mir import ManagedInfrastructureComponent, MicClass, MirError
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
) -> list[ManagedInfrastructureComponent]:
    """Apply the change's MIR operations; returns every MIC created or modified."""
    authority = change.mir_authority()
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
        mic = touched.get(operation.mic_id) or _existing(existing, operation.mic_id)
        if isinstance(operation, ChangeMicAttributes):
            mic.change_attributes(meta, authority, operation.changes)
        elif isinstance(operation, RelateMics):
            mic.relate(meta, authority, operation.relation, operation.target_id)
        else:
            mic.retire(meta, authority, operation.reason)
        touched[mic.id] = mic
    change.record_mir_update(meta, list(touched))
    return list(touched.values())


def _existing(
    existing: dict[UUID, ManagedInfrastructureComponent], mic_id: UUID
) -> ManagedInfrastructureComponent:
    try:
        return existing[mic_id]
    except KeyError:
        raise MirError(f"MIC {mic_id} is not registered in the MIR") from None
