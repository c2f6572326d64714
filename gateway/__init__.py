"""Fundament's entry points: the REST gateway (``create_app``) and the ``fundament`` CLI."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.api.app import create_app as create_app


def __getattr__(name: str) -> Any:
    # Imported on first use, so the CLI does not load the web stack for every command.
    if name == "create_app":
        from gateway.api.app import create_app

        return create_app
    raise AttributeError(name)
