"""Arrows point down: no app reaches up into the WebSocket transport.

The apps (accounts, messaging, search) publish through parley.events without knowing about
sockets, and parley.realtime sits on top of them, as the HTTP views do; parley.events itself
imports nothing of Parley's but parley.core. Read from the source, every import (those
inside functions too), and followed through Parley's own modules: an app importing a
module that imports parley.realtime breaks the rule as much as importing it itself. Tests
aside (a test may drive anything).

A plain walk of the syntax trees rather than import-linter: the rules are two, and this
needs no dependency, no configuration file and no separate command, and runs with the tests.
"""

import ast
import functools
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
APPS = (
    "parley.accounts",
    "parley.broadcasts",
    "parley.calls",
    "parley.files",
    "parley.jobs",
    "parley.messaging",
    "parley.notifications",
    "parley.push",
    "parley.search",
)


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_test(name: str) -> bool:
    return ".tests" in f"{name}." or name.startswith("parley.core.testing")


MODULES = {_name(p): p for p in (ROOT / "parley").rglob("*.py")}


@functools.cache
def _imports(name: str) -> frozenset[str]:
    """The Parley modules `name` imports, with the packages they are in (importing
    a.b.c runs a and a.b too)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package up
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    with_packages = {".".join(n.split(".")[:i]) for n in found for i in range(1, n.count(".") + 2)}
    return frozenset(n for n in with_packages if n in MODULES and n != name)


def _reached(start: str) -> dict[str, str]:
    """Every Parley module that importing `start` imports, each with the module that
    imported it (to say how)."""
    seen, queue = {start: ""}, deque([start])
    while queue:
        name = queue.popleft()
        for imported in _imports(name):
            if imported not in seen:
                seen[imported] = name
                queue.append(imported)
    return seen


def _chain(reached: dict[str, str], name: str) -> str:
    chain = [name]
    while reached[chain[-1]]:
        chain.append(reached[chain[-1]])
    return " ← ".join(chain)


def test_the_modules_are_found():
    assert {"parley.messaging.actions.send", "parley.events.publish"} <= set(MODULES)
    assert "parley.realtime.consumer" in _reached("parley.realtime.routing")


def _checked(*packages: str) -> list[str]:
    return sorted(n for n in MODULES if n.startswith(packages) and not _is_test(n))


@pytest.mark.parametrize("module", _checked(*APPS))
def test_no_app_module_imports_the_realtime_transport(module):
    reached = _reached(module)
    upward = [_chain(reached, n) for n in reached if n.startswith("parley.realtime")]
    assert upward == []


@pytest.mark.parametrize("module", _checked("parley.events"))
def test_the_events_package_imports_only_parley_core(module):
    below = ("parley.events", "parley.core")
    assert {n for n in _imports(module) if n != "parley" and not n.startswith(below)} == set()
    reached = _reached(module)
    assert [_chain(reached, n) for n in reached if n.startswith(("parley.realtime", *APPS))] == []
