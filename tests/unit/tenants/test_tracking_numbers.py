"""Tracking numbers follow from the command that creates the call: the same command names the
same call, different commands (or a second call of one command) name different ones."""

import re
from datetime import UTC, datetime
from uuid import UUID, uuid4

from domain.patterns import CallType
from domain.shared import EventMeta
from tenants.handlers.call_tree import tracking_number

NUMBER = re.compile(r"^INC-[0-9A-HJKMNP-TV-Z]{10}$")  # Crockford base 32, 50 bits


def meta(command_id: UUID) -> EventMeta:
    return EventMeta("acme", "operator", datetime(2026, 12, 3, tzinfo=UTC), uuid4(), command_id)


def test_the_same_command_names_the_same_call_whatever_else_differs() -> None:
    command = uuid4()

    first = tracking_number(CallType.INCIDENT, meta(command))

    assert NUMBER.match(first)
    assert tracking_number(CallType.INCIDENT, meta(command)) == first
    assert tracking_number(CallType.INCIDENT, meta(command), 1) != first
    assert tracking_number(CallType.RISK, meta(command)).startswith("RSK-")


def test_different_commands_name_different_calls() -> None:
    numbers = {tracking_number(CallType.INCIDENT, meta(uuid4())) for _ in range(5000)}

    assert len(numbers) == 5000
