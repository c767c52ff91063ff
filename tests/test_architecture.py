"""The package's shape: layers that import only downwards, no import cycle, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "advisor"

# Lowest first: a module may import from its own layer and the layers before it, never after.
LAYERS: list[set[str]] = [
    {"advisor", "advisor.errors", "advisor.resources", "advisor.config", "advisor.prompts"},
    {"advisor.domain"},
    {"advisor.inputs", "advisor.nlu"},
    {"advisor.guidance"},
    {"advisor.agent"},
    {"advisor.models"},
    {"advisor.store", "advisor.metrics", "advisor.telemetry"},
    {"advisor.chat", "advisor.analytics"},
    {"advisor.channels"},
    {"advisor.evaluation"},
    {"advisor.cli", "advisor.__main__"},
]
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every advisor module `path` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                    + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def layer_of(name: str) -> int:
    best, rank = -1, -1
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def test_every_module_belongs_to_a_layer() -> None:
    assert [name for name in modules() if layer_of(name) < 0] == []


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{name} -> {target}"
        for name, targets in graph().items()
        for target in sorted(targets)
        if target != "advisor" and layer_of(target) > layer_of(name)
    ]
    assert upward == []


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles of a graph, each as the path that closes it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, set())):
            if target == "advisor":
                continue  # the package's face: its version string only
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def test_there_is_no_import_cycle() -> None:
    assert find_cycles(graph()) == []


def test_a_cycle_is_found_through_any_number_of_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(edges) == [["a", "b", "c", "a"]]


def test_the_package_face_imports_nothing_of_the_package() -> None:
    assert graph()["advisor"] == set()


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name: str) -> None:
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = "def f():\n    from advisor.chat import ChatService\n    return ChatService\n"
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert imports_of("advisor.probe", path, {"advisor.chat", "advisor"}) == {"advisor.chat"}
