"""Command handlers: each loads what it needs, calls the domain, and returns what to save."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tenants.handlers.administration import ADMINISTRATION_HANDLERS
from tenants.handlers.call_steps import CALL_STEP_HANDLERS
from tenants.handlers.call_tree import CALL_TREE_HANDLERS

if TYPE_CHECKING:
    from domain.shared import EventMeta
    from tenants.service_desk import ServiceDesk

Handler = Callable[["ServiceDesk", Any, "EventMeta"], list[Any]]

_HANDLERS: dict[type, Handler] = {
    **ADMINISTRATION_HANDLERS,
    **CALL_STEP_HANDLERS,
    **CALL_TREE_HANDLERS,
}


def handler_for(command: object) -> Handler:
    try:
        return _HANDLERS[type(command)]
    except KeyError:
        raise TypeError(f"no handler for {type(command).__name__}") from None
