"""The managed infrastructure register (MIR)."""

from domain.mir.component import (
    ChangeCallRequiredError,
    ManagedInfrastructureComponent,
    MicAlreadyRegisteredError,
    MicClass,
    MirError,
    UnknownMicError,
)

__all__ = [
    "ChangeCallRequiredError",
    "ManagedInfrastructureComponent",
    "MicAlreadyRegisteredError",
    "MicClass",
    "MirError",
    "UnknownMicError",
]
