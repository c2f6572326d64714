"""The domain is pure: stdlib, itself and eventsourcing.domain only; no clock, no randomness.

import-linter forbids I/O libraries but cannot forbid subpackages of an external package,
and it does not see calls; this test reads every module's syntax tree instead.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))
ALLOWED_EXTERNAL = {"eventsourcing.domain"}
# Modules whose mere import means reading a clock or a random source.
FORBIDDEN_MODULES = {"random", "secrets"}
# (object name, attribute) pairs and bare names whose call reads a clock or randomness.
FORBIDDEN_ATTRIBUTE_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("uuid", "uuid1"),
    ("uuid", "uuid4"),
}
FORBIDDEN_NAMES = {"uuid1", "uuid4", "random", "randint", "choice", "urandom"}


def _module_name(path: Path) -> str:
    relative = path.relative_to(DOMAIN.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _package(path: Path) -> str:
    """The package relative imports of a module start from."""
    module = _module_name(path)
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(tree: ast.Module, package: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, imported module, imported names) for every import in a module of ``package``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield node.lineno, target, tuple(alias.name for alias in node.names)


def _allowed(target: str) -> bool:
    root = target.partition(".")[0]
    if root == "domain":
        return True
    if root == "eventsourcing":
        return target in ALLOWED_EXTERNAL
    return root in sys.stdlib_module_names and root not in FORBIDDEN_MODULES


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _forbidden_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if len(dotted) == 1 and dotted[0] in FORBIDDEN_NAMES:
                yield node.lineno, dotted[0]
            if len(dotted) >= 2 and tuple(dotted[-2:]) in FORBIDDEN_ATTRIBUTE_CALLS:
                yield node.lineno, ".".join(dotted)


def test_the_domain_has_modules_to_check() -> None:
    assert len(MODULES) > 20
    assert DOMAIN / "calls" / "call.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda path: _module_name(path))
def test_a_domain_module_imports_only_the_stdlib_the_domain_and_eventsourcing_domain(
    path: Path,
) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    offending = [
        f"line {line}: {target}"
        for line, target, _ in _imports(tree, _package(path))
        if not _allowed(target)
    ]

    assert offending == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: _module_name(path))
def test_a_domain_module_reads_no_clock_and_no_randomness(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported_names = [
        f"line {line}: from {target} import {name}"
        for line, target, names in _imports(tree, _package(path))
        for name in names
        if name in FORBIDDEN_NAMES or (target.rpartition(".")[2], name) in FORBIDDEN_ATTRIBUTE_CALLS
    ]

    offending = imported_names + [f"line {line}: {call}()" for line, call in _forbidden_calls(tree)]

    assert offending == []


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("import re", True),
        ("from .errors import CallError", True),
        ("from ..shared import EventMeta", True),
        ("from eventsourcing.domain import Aggregate", True),
        ("from domain.shared import EventMeta", True),
        ("from eventsourcing.application import Application", False),
        ("import eventsourcing", False),
        ("import psycopg", False),
        ("import random", False),
    ],
)
def test_the_import_rule_tells_allowed_from_forbidden_imports(source: str, allowed: bool) -> None:
    [(_, target, _)] = _imports(ast.parse(source), "domain.calls")

    assert _allowed(target) is allowed


@pytest.mark.parametrize(
    "source",
    [
        "datetime.now(UTC)",
        "datetime.datetime.now()",
        "uuid4()",
        "uuid.uuid4()",
        "time.time()",
        "random()",
    ],
)
def test_the_call_rule_catches_clocks_and_randomness(source: str) -> None:
    assert list(_forbidden_calls(ast.parse(source)))
