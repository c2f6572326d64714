"""`fundament relay`: (being built)."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `relay` command to the CLI."""
