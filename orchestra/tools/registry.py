"""One registry, name → tool. A name registered twice is an error, not a silent replacement."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from smolagents import Tool

from orchestra.config.yaml_source import SourceMap
from orchestra.errors import ToolError, UnknownToolError, unknown_name


class ToolRegistry:
    """Tools by name, each remembered with the source that provided it."""

    def __init__(self, on_close: Callable[[], None] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._origins: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        """A server's own tool name (``get-sum``) → the alias it is registered under (``get_sum``)."""
        self._on_close = on_close

    def close(self) -> None:
        """Release what the sources opened (MCP sessions, services, the background loop)."""
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()

    def __enter__(self) -> ToolRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, tool: Tool, *, source: str, where: str = "") -> None:
        """Add a tool; refuse duplicates and tools a model could not call correctly.

        Args:
            tool: the tool.
            source: which source provides it, for messages.
            where: the source's place in the config file (``(configs/x.yaml:12)``), for messages.

        Raises:
            ToolError: the name is taken, or the tool lacks a description or argument docs.
        """
        if not isinstance(tool, Tool):
            raise ToolError(f"{source}: {tool!r} is not a smolagents Tool")
        if tool.name in self._tools:
            located = f" {where}" if where else ""
            first = self._origins[tool.name]
            raise ToolError(f"tool '{tool.name}' is provided twice: by {first} and by {source}{located}")
        if not (tool.description or "").strip():
            raise ToolError(f"{source}: tool '{tool.name}' has no description")
        undocumented = [
            key for key, spec in tool.inputs.items() if not str(spec.get("description", "")).strip()
        ]
        if undocumented:
            raise ToolError(
                f"{source}: tool '{tool.name}' has undocumented arguments: {', '.join(undocumented)}"
            )
        self._tools[tool.name] = tool
        self._origins[tool.name] = source
        remote = getattr(tool, "remote_name", None)
        if isinstance(remote, str) and remote != tool.name:
            self._aliases.setdefault(remote, tool.name)

    def register_all(self, tools: Iterable[Tool], *, source: str, where: str = "") -> None:
        """Register every tool from one source."""
        for tool in tools:
            self.register(tool, source=source, where=where)

    def resolve(self, name: str) -> str:
        """The registered name for ``name``: itself, or the alias of a server's own tool name."""
        return name if name in self._tools else self._aliases.get(name, name)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._tools)

    def origin(self, name: str) -> str:
        """Which source provided ``name``."""
        return self._origins[name]

    def get(self, name: str) -> Tool:
        """The tool called ``name``.

        Raises:
            UnknownToolError: listing the valid names.
        """
        if self.resolve(name) not in self._tools:
            raise UnknownToolError(unknown_name("tool", name, self.names()))
        return self._tools[self.resolve(name)]

    def select(
        self, wanted: Mapping[str, Iterable[str]], source: SourceMap | None = None
    ) -> dict[str, list[Tool]]:
        """Resolve every agent's tool names at once, so all missing names are reported together.

        Args:
            wanted: key path of each tool list (``layers.abstract.tools``) → the names it lists.
            source: where those key paths sit in the config file, for line numbers.

        Raises:
            UnknownToolError: one message naming every missing tool with its key path and line.
        """
        problems = []
        chosen: dict[str, list[Tool]] = {}
        for key_path, names in wanted.items():
            chosen[key_path] = []
            for index, name in enumerate(names):
                if self.resolve(name) in self._tools:
                    chosen[key_path].append(self._tools[self.resolve(name)])
                    continue
                where = f"{key_path}[{index}]"
                located = f" {source.where(where)}" if source else ""
                problems.append(f"{where}: {unknown_name('tool', name, self.names())}{located}")
        if problems:
            raise UnknownToolError("; ".join(problems))
        return chosen
