"""`fundament projections`: (being built)."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `projections` command to the CLI."""
