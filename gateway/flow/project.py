"""`fundament project`: (being built)."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `project` command to the CLI."""
