"""The managed infrastructure register (MIR)."""

from domain.mir.component import (
    ChangeCallRequiredError,
    ManagedInfrastructureComponent,
    MicClass,
    MirError,
)

__all__ = ["ChangeCallRequiredError", "ManagedInfrastructureComponent", "MicClass", "MirError"]
