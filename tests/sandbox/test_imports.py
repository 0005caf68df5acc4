"""bot.sandbox's modules depend on each other one way: no import cycles, not even hidden ones.

Every import counts, wherever it is written: at the top, inside a function (a lazy import
that hides a cycle) or under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "bot.sandbox"


def sandbox_imports() -> dict[str, set[str]]:
    """Module → the bot.sandbox modules it imports (the package itself is ``bot.sandbox``)."""
    folder = ROOT / "bot" / "sandbox"
    modules = {
        (PACKAGE if p.stem == "__init__" else f"{PACKAGE}.{p.stem}"): p
        for p in sorted(folder.glob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        package = PACKAGE if path.stem == "__init__" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(Path(path).read_text(), str(path))):
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                found = [base] + [f"{base}.{a.name}" for a in node.names]
            targets |= {t for t in found if t in modules and t != name}
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_no_import_cycle_inside_bot_sandbox() -> None:
    graph = sandbox_imports()
    assert graph[f"{PACKAGE}.server"] >= {f"{PACKAGE}.control"}  # the walker sees imports
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_the_walker_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
