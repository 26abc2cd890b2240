"""YAML parsing that remembers where every key came from.

Researchers edit long configs by hand; an error that says ``layers.abstract.max_steps`` without
the line sends them hunting. PyYAML's composer keeps source marks, so we walk the node tree once
and record the line of every key path (``graph.feeds[2]``) before turning nodes into plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from orchestra.errors import ConfigError


def join_path(parent: str, part: str | int) -> str:
    """Join key-path parts as ``a.b[2].c``."""
    if isinstance(part, int):
        return f"{parent}[{part}]"
    return f"{parent}.{part}" if parent else part


@dataclass(kw_only=True)
class SourceMap:
    """Where each key path of a loaded document sits in its file."""

    file: str
    """The file name as the user wrote it (or ``<string>``, ``--set``)."""
    lines: dict[str, int] = field(default_factory=dict)
    """Key path → 1-based line number."""
    origins: dict[str, str] = field(default_factory=dict)
    """Key path → the ``--set`` expression that wrote it (overrides have no line)."""

    def line_of(self, key_path: str) -> int | None:
        """The line of ``key_path``, or of its nearest ancestor that has one."""
        path = key_path
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("")

    def where(self, key_path: str) -> str:
        """``(file:line)`` for a key path, or ``(--set ...)`` for an override; for error messages."""
        return f"({self.error(key_path, '').render().rpartition('(')[2]}"

    def error(self, key_path: str, message: str, cls: type[ConfigError] = ConfigError) -> ConfigError:
        """Build an error naming the key path, this file and the key's line (or the ``--set`` behind it)."""
        for origin_path, origin in self.origins.items():
            if key_path == origin_path or key_path.startswith((origin_path + ".", origin_path + "[")):
                return cls(message, key_path=key_path or None, file=origin)
        return cls(message, key_path=key_path or None, file=self.file, line=self.line_of(key_path))


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML text into plain data plus a map of key paths to lines.

    Raises:
        ConfigError: on a syntax error or a key written twice in one mapping.
    """
    source = SourceMap(file=file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise ConfigError(f"invalid YAML: {problem}", file=file, line=line) from None
    if root is None:
        return {}, source
    source.lines[""] = root.start_mark.line + 1
    return _to_data(root, "", source, yaml.constructor.SafeConstructor()), source


def _to_data(node: yaml.Node, path: str, source: SourceMap, builder: yaml.constructor.SafeConstructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, path, source, builder)
            key_text = str(key)
            child = join_path(path, key_text)
            if key_text in result:
                first = source.lines.get(child)
                raise ConfigError(
                    f"key written twice (first on line {first})",
                    key_path=child,
                    file=source.file,
                    line=key_node.start_mark.line + 1,
                )
            source.lines[child] = key_node.start_mark.line + 1
            result[key_text] = _to_data(value_node, child, source, builder)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = join_path(path, index)
            source.lines[child] = item.start_mark.line + 1
            items.append(_to_data(item, child, source, builder))
        return items
    return _scalar(node, path, source, builder)


def _scalar(node: yaml.Node, path: str, source: SourceMap, builder: yaml.constructor.SafeConstructor) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(
            "a key must be a plain value",
            key_path=path or None,
            file=source.file,
            line=node.start_mark.line + 1,
        )
    return builder.construct_object(node, deep=True)
