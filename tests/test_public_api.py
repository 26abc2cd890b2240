"""The public API: names re-exported from ``orchestra``, and the 0.1 module paths kept for one release."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import orchestra
from orchestra._moved import MOVED


class TestPublicApi:
    """``from orchestra import ...`` gives the real objects, loaded on first use."""

    @pytest.mark.parametrize("name", sorted(orchestra.__all__))
    def test_every_exported_name_resolves(self, name: str) -> None:
        """Each name in ``__all__`` is importable from the package."""
        assert getattr(orchestra, name) is not None

    def test_names_are_the_defining_objects(self) -> None:
        """A re-export is the object itself, not a copy."""
        from orchestra.agents.hierarchy import build_hierarchy
        from orchestra.models.scripted import ScriptedModel

        assert orchestra.build_hierarchy is build_hierarchy
        assert orchestra.ScriptedModel is ScriptedModel

    def test_unknown_name_is_an_attribute_error(self) -> None:
        """A misspelt name fails like any missing attribute."""
        with pytest.raises(AttributeError, match="no attribute 'load_konfig'"):
            _ = orchestra.load_konfig  # type: ignore[attr-defined]

    def test_import_is_light(self) -> None:
        """``import orchestra`` loads neither smolagents nor litellm: the CLI starts fast."""
        code = (
            "import sys, orchestra; print(sorted(m for m in ('smolagents', 'litellm') if m in sys.modules))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.strip() == "[]"


class TestMovedModules:
    """Every 0.1 module path still imports, warns with its new home, and forwards to it."""

    @pytest.mark.parametrize("old", sorted(MOVED))
    def test_old_path_forwards(self, old: str) -> None:
        """Names read through the old path are the objects at the new one."""
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=f"{old} moved to {MOVED[old]}"):
            module = importlib.import_module(old)
        new = importlib.import_module(MOVED[old])
        public = [
            name
            for name in dir(new)
            if not name.startswith("_") and not isinstance(getattr(new, name), type(sys))
        ]
        assert public
        for name in public:
            assert getattr(module, name) is getattr(new, name)

    def test_from_import_of_old_path(self) -> None:
        """The import the README of 0.1 showed still works."""
        sys.modules.pop("orchestra.hierarchy", None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from orchestra.hierarchy import build_hierarchy
            from orchestra.scripted import ScriptedModel
        assert build_hierarchy is orchestra.build_hierarchy and ScriptedModel is orchestra.ScriptedModel

    def test_split_trace_module_keeps_both_halves(self) -> None:
        """``orchestra.trace`` was split in two; both halves' names are reachable at the old path."""
        sys.modules.pop("orchestra.trace", None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from orchestra.trace import TracedTool, agent_execution
        assert TracedTool.__module__ == "orchestra.agents.tool_calls"
        assert agent_execution.__module__ == "orchestra.agents.trace"

    def test_unknown_old_name_fails(self) -> None:
        """A name that never existed is still an ImportError, not a silent alias."""
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("orchestra.no_such_module")
