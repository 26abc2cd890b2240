"""The shape of the house: no import circles, arrows that point down, thin faces, short modules.

Imports are read from the source (every ``import`` statement, also those inside functions), so a
lazy import that closes a circle counts as much as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "orchestra"

MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "logs": set(),
    "version": set(),
    "_moved": set(),
    "store": {"errors"},
    "services": {"errors", "store"},
    "graph": {"errors"},
    "config": {"errors", "graph", "services", "layers"},
    "models": {"errors", "config"},
    "tools": {"errors", "config", "services", "store"},
    "sandbox": set(),
    "agents": {"errors", "config", "graph", "models", "tools", "layers", "sandbox"},
    "heartbeat": {"errors", "config", "graph", "models", "tools", "agents", "services", "store"},
    "mcp_server": {"errors", "logs", "config", "services", "heartbeat", "store"},
    "cli": {"errors", "logs", "version", "config", "graph", "agents", "heartbeat", "mcp_server", "tools", "store"},
}
"""Room → the rooms it may import. A room is a subpackage or a top-level module of orchestra;
the package's own ``__init__`` re-exports the public API and may import any room."""

PRINTING_ALLOWED = {("mcp_server", "main")}
"""Besides the CLI, where ``print`` may be called: the ``python -m orchestra.mcp_server`` entry point."""

MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules ``path`` imports: orchestra's own (resolved to modules) and top-level others."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {module for module in found if module != name}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "orchestra" and len(parts) > 1 else parts[0]


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path, name, set(modules)):
            graph.add_edge(name, target)
    return graph


class TestImports:
    """What imports what inside ``orchestra/``."""

    def test_no_import_circles(self) -> None:
        """No module reaches itself through its imports, lazy imports included."""
        graph = _graph().subgraph(_modules())
        circles = [" -> ".join([*cycle, cycle[0]]) for cycle in nx.simple_cycles(graph)]
        assert circles == []

    def test_arrows_point_down(self) -> None:
        """Each room imports only the rooms below it (services never import agents or the heartbeat)."""
        wrong = []
        for source, target in _graph().edges:
            room, target_room = _room(source), _room(target)
            if source == "orchestra" or room == target_room:
                continue
            known = target.startswith("orchestra.") or target in {
                "orchestra",
                "layers",
                "benchmarks",
                "tests",
            }
            if known and target_room not in MAY_IMPORT[room]:
                wrong.append(f"{source} imports {target}")
        assert wrong == []

    def test_every_room_has_rules(self) -> None:
        """A new subpackage gets a line in MAY_IMPORT, so its arrows are decided, not drifted into."""
        rooms = {_room(name) for name in _modules() if name != "orchestra"}
        assert rooms == set(MAY_IMPORT)

    def test_nothing_imports_benchmarks_or_tests(self) -> None:
        """The engine never depends on its harness."""
        wrong = [f"{s} imports {t}" for s, t in _graph().edges if t.split(".")[0] in {"benchmarks", "tests"}]
        assert wrong == []

    def test_no_room_imports_the_faces(self) -> None:
        """The CLI and the MCP server call the engine; the engine never calls them."""
        faces = {"orchestra.cli", "orchestra.mcp_server"}
        wrong = [f"{s} imports {t}" for s, t in _graph().edges if t in faces and s not in faces]
        assert wrong == []


def _print_calls(path: Path) -> list[tuple[str | None, int]]:
    """(enclosing top-level function or None, line) of every ``print`` call in a module."""
    calls = []
    for top in ast.parse(path.read_text(encoding="utf-8")).body:
        owner = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                calls.append((owner, node.lineno))
    return calls


class TestFacesAndSize:
    """Printing stays in the faces; modules stay small enough to read."""

    def test_only_the_faces_print(self) -> None:
        """``print`` is called in the CLI and the MCP server's entry point, nowhere else."""
        wrong = [
            f"{name}:{line}"
            for name, path in _modules().items()
            for owner, line in _print_calls(path)
            if _room(name) != "cli" and (_room(name), owner) not in PRINTING_ALLOWED
        ]
        assert wrong == []

    def test_the_print_check_sees_prints(self) -> None:
        """The check above finds the CLI's prints, so an empty answer means something."""
        assert len(_print_calls(PACKAGE / "cli.py")) > 5

    def test_modules_are_short(self) -> None:
        """No module nears the length where it stops being one concept."""
        lines = {
            name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()
        }
        assert {name: n for name, n in lines.items() if n > MAX_LINES} == {}
