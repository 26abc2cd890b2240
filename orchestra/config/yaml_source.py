"""YAML parsing that remembers where every key came from.

Researchers edit long configs by hand; an error that says ``layers.abstract.max_steps`` without
the line sends them hunting. PyYAML's composer keeps source marks, so we walk the node tree once
and record the line of every key path (``graph.feeds[2]``) before turning nodes into plain data.

The walk is also where a config's size is bounded: aliases are expanded here, so a
billion-laughs file or a recursive alias stops at :data:`MAX_VALUES` values or :data:`MAX_DEPTH`
levels with a located error, in milliseconds, before any key is checked. What the file itself
writes is bounded while it is composed (:data:`MAX_NODES`, :data:`MAX_DEPTH`), on libyaml's
parser where it is installed: PyYAML's pure-Python one takes seconds on a 1 MiB file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from orchestra.errors import ConfigError

MAX_BYTES = 1024 * 1024
"""Largest config file read (a config is hand-written text; 1 MiB is hundreds of layers)."""
MAX_VALUES = 100_000
"""Most values (keys, items, scalars) a config may expand to, aliases expanded."""
MAX_DEPTH = 64
"""Deepest nesting a config may have."""
MAX_NODES = 20_000
"""Most values a config may write, aliases not expanded (hand-written configs have hundreds)."""

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


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
    unset: dict[str, str] = field(default_factory=dict)
    """Key path → the unset environment variable that was its whole value (it became null)."""

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
    if len(text) > MAX_BYTES:
        raise ConfigError(
            f"the file holds {len(text):,} characters; a config may hold {MAX_BYTES:,}", file=file
        )
    try:
        loader = _BoundedLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except _Refused as refused:
        raise ConfigError(refused.message, file=file, line=refused.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if problem.startswith("but ") and exc.context:  # "but found another document" needs its first half
            problem = f"{exc.context} {problem}"
        if problem == "exceeded maximum nesting depth":  # libyaml's own bound, far past ours
            problem = f"nested deeper than {MAX_DEPTH} levels"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            problem = "found a tab; YAML is indented with spaces"
        raise ConfigError(f"invalid YAML: {problem}", file=file, line=line) from None
    if root is None:
        return {}, source
    source.lines[""] = root.start_mark.line + 1
    walk = _Walk(source, yaml.constructor.SafeConstructor())
    return walk.data(root, "", 0), source


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a mark (libyaml's messages do not show it, and a tab is the usual culprit)."""
    lines = text.splitlines()
    return lines[line][column : column + 1] if line < len(lines) else ""


class _Refused(Exception):
    """Raised inside the composer, turned into a ``ConfigError`` by :func:`parse_yaml`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _Events  # libyaml: the same events, many times faster
else:  # pragma: no cover - PyYAML built without libyaml

    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        """PyYAML's pure-Python event source."""

        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _BoundedLoader(yaml.composer.Composer, _Events, yaml.resolver.Resolver):
    """Composes nodes, refusing more than :data:`MAX_NODES` or deeper than :data:`MAX_DEPTH` as it goes.

    Python's composer on libyaml's events where available; the bound keeps a hostile 1 MiB file
    (a 150,000-item flow sequence, 5,000 brackets) in milliseconds, and located.
    """

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.nodes, self.depth = 0, 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()
        line = event.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(
                f"the config writes more than {MAX_NODES:,} values; a config is hand-written", line
            )
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels", line)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Walk:
    """Nodes into plain data, counting what the aliases expand to."""

    def __init__(self, source: SourceMap, builder: yaml.constructor.SafeConstructor) -> None:
        self.source, self.builder, self.values = source, builder, 0

    def _refuse(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        shown = path if len(path) <= 60 else path[:60] + "..."
        return ConfigError(
            message, key_path=shown or None, file=self.source.file, line=node.start_mark.line + 1
        )

    def data(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self._refuse(
                node,
                path,
                f"the config expands to more than {MAX_VALUES:,} values (aliases repeating aliases?)",
            )
        if depth > MAX_DEPTH:
            raise self._refuse(node, path, f"nested deeper than {MAX_DEPTH} levels (a recursive alias?)")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
            raise self._refuse(node, path, f"unknown YAML tag '{node.tag}'; a config holds plain values")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = join_path(path, index)
                self.source.lines[child] = item.start_mark.line + 1
                items.append(self.data(item, child, depth + 1))
            return items
        return self.scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_text = str(self.scalar(key_node, path))
            child = join_path(path, key_text)
            if key_text in result:
                first = self.source.lines.get(child)
                raise self._refuse(key_node, child, f"key written twice (first on line {first})")
            self.source.lines[child] = key_node.start_mark.line + 1
            result[key_text] = self.data(value_node, child, depth + 1)
        return result

    def scalar(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self._refuse(node, path, "a key must be a plain value")
        if node.tag == "tag:yaml.org,2002:merge":  # '<<: *base' has no tag in sight; say what it is
            raise self._refuse(node, path, "merge keys ('<<') are not supported; write the keys out")
        try:
            return self.builder.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self._refuse(
                node, path, f"unknown YAML tag '{node.tag}'; a config holds plain values"
            ) from exc
