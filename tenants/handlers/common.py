"""Loading calls for a command and keeping their parents in step."""

from typing import TYPE_CHECKING, Any, TypeVar

from domain.calls import Call, WrongStepError
from domain.commands import CallCommand
from domain.shared import EventMeta
from domain.workflow import settle_with_parent

if TYPE_CHECKING:
    from tenants.service_desk import ServiceDesk

TCall = TypeVar("TCall", bound=Call)


def load_call(desk: "ServiceDesk", cmd: CallCommand) -> Call:
    """The command's call, at the version the client expects if it said one."""
    return desk.load(cmd.call_id, Call, "call", cmd.expected_version)


def load_call_of(desk: "ServiceDesk", cmd: CallCommand, kind: type[TCall]) -> TCall:
    """The command's call, which must be of the call type the action belongs to."""
    call = load_call(desk, cmd)
    if not isinstance(call, kind):
        raise WrongStepError(
            f"{call.tracking_number} is a {call.call_type.value} call; this "
            f"action belongs to {kind.call_type.value} calls"
        )
    return call


def with_parent(desk: "ServiceDesk", call: Call, meta: EventMeta, *others: Any) -> list[Any]:
    """The call (first), any other touched aggregates, and its parent if it learned something."""
    touched: list[Any] = [call, *others]
    if call.parent_id is not None:
        parent = desk.call(call.parent_id)
        settle_with_parent(call, parent, meta)
        touched.extend(desk.pending(parent))
    return touched
