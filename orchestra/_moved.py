"""Old module paths of orchestra 0.1, kept importable for one release (removed in 0.3).

orchestra 0.2 gave each subsystem a package of its own. Code written against 0.1
(``from orchestra.hierarchy import build_hierarchy``) keeps working: importing an old path
warns once, with the new path, and yields a module that forwards every attribute to the module
the names moved to. One table, rather than a shim file per old module, keeps the package's
folders showing only where things live now.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from typing import Any

MOVED: dict[str, str] = {
    "orchestra.actions": "orchestra.heartbeat.actions",
    "orchestra.decision": "orchestra.heartbeat.decision",
    "orchestra.dispatch": "orchestra.agents.dispatch",
    "orchestra.hierarchy": "orchestra.agents.hierarchy",
    "orchestra.offline": "orchestra.models.offline",
    "orchestra.procedural": "orchestra.heartbeat.procedural",
    "orchestra.prompts": "orchestra.agents.prompts",
    "orchestra.scheduler": "orchestra.heartbeat.scheduler",
    "orchestra.scripted": "orchestra.models.scripted",
    "orchestra.trace": "orchestra.agents",
    "orchestra.yaml_source": "orchestra.config.yaml_source",
}
"""Old module path → where its names live now (``orchestra.trace`` was split in two; the
``orchestra.agents`` package re-exports both halves)."""


class MovedModule(types.ModuleType):
    """Stands at an old path and forwards every attribute to the module the names moved to."""

    def __init__(self, name: str, moved_to: str) -> None:
        super().__init__(name, f"Moved to {moved_to}; this alias goes in orchestra 0.3.")
        self.__moved_to__ = moved_to

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(importlib.import_module(self.__moved_to__), attribute)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(importlib.import_module(self.__moved_to__))))


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old paths of :data:`MOVED` (and nothing else) and loads a :class:`MovedModule`."""

    def find_spec(
        self, fullname: str, path: Any = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        moved_to = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {moved_to}; import it from there (the old path goes in orchestra 0.3)",
            DeprecationWarning,
            stacklevel=2,
        )
        return MovedModule(spec.name, moved_to)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module forwards to its new home on first use."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (after the normal finders: real modules win)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
