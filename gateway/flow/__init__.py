"""CLI commands of the event flow: ``relay``, ``project`` and ``projections``."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    from gateway.flow import project, projections, relay

    relay.register(commands)
    project.register(commands)
    projections.register(commands)
