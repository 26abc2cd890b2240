"""Loading a config: ``from_file → from_text → from_dict``, ``${ENV}`` and ``--set`` overrides.

Each step adds what it knows (file name, line map) so that every error names the file, the line
and the key path. The last step validates the schema, then the cross-references, then the graph,
so a config that loads is a config that builds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from orchestra.config.references import check_references
from orchestra.config.schema import Config
from orchestra.config.translate import translate_validation_error
from orchestra.config.yaml_source import MAX_BYTES, SourceMap, join_path, parse_yaml
from orchestra.errors import ConfigError


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Load and validate a config file, applying ``--set key.path=value`` overrides.

    Raises:
        ConfigError: naming file, line and key path for anything wrong.
    """
    file = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("config file not found", file=file) from None
    except IsADirectoryError:
        raise ConfigError("this is a directory, not a config file", file=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", file=file) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"the file is over {MAX_BYTES:,} bytes; a config may hold {MAX_BYTES:,}", file=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = raw[: bad.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{raw[bad.start]:02x} cannot be read", file=file, line=line
        ) from None
    return config_from_text(text, file=file, overrides=overrides)


def config_from_text(text: str, *, file: str = "<string>", overrides: list[str] | None = None) -> Config:
    """Parse YAML text into a validated config (see :func:`load_config`)."""
    data, source = parse_yaml(text, file)
    if data is None:  # '---' or '~' alone says nothing, as an empty file does: the defaults
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "the config must be a mapping of sections (models, root, layers, ...)",
            file=file,
            line=source.lines.get("", 1),  # where the document starts, past any leading comments
        )
    return config_from_dict(data, source=source, overrides=overrides)


def config_from_dict(
    data: dict[str, Any], *, source: SourceMap | None = None, overrides: list[str] | None = None
) -> Config:
    """Validate plain data into a config; the last step of every load."""
    source = source or SourceMap(file="<dict>")
    data = _interpolate_env(data, "", source)
    for expression in overrides or []:
        apply_override(data, expression, source)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(exc, source) from None
    config._source = source
    check_references(config, source)
    config.layer_graph()  # a graph error is a config error, located in the file
    return config


_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate_env(value: Any, path: str, source: SourceMap) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}``; a value that is only an unset ``${VAR}`` becomes null."""
    if isinstance(value, dict):
        return {key: _interpolate_env(item, join_path(path, key), source) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate_env(item, join_path(path, index), source) for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    leftover = _ENV_PATTERN.sub("", value)
    if "${" in leftover:
        bad = leftover[leftover.index("${") :][:40]
        raise source.error(
            path,
            f"malformed variable '{bad}': write ${{NAME}} or ${{NAME:-default}} (NAME: letters, digits, _)",
        )
    whole = _ENV_PATTERN.fullmatch(value)
    if whole and whole.group(2) is None and whole.group(1) not in os.environ:
        source.unset[path] = whole.group(1)
        return None

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise source.error(path, f"environment variable {name} is not set (write ${{{name}:-default}})")

    return _ENV_PATTERN.sub(substitute, value)


_OVERRIDE_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def apply_override(data: dict[str, Any], expression: str, source: SourceMap) -> None:
    """Apply one ``key.path=value`` override in place; the value is parsed as YAML.

    Raises:
        ConfigError: when the expression is malformed or walks into a non-mapping.
    """
    origin = f"--set {expression}"
    key_path, sep, raw_value = expression.partition("=")
    key_path = key_path.strip()
    if not sep or not key_path:
        raise ConfigError("an override is written key.path=value", file=origin)
    parts: list[str | int] = []
    for match in _OVERRIDE_PART.finditer(key_path):
        if match.group(1) is not None:
            parts.append(int(match.group(1)) if match.group(1).isdigit() else match.group(1))
        else:
            parts.append(int(match.group(2)))
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else None
    except yaml.YAMLError:
        value = raw_value
    node: Any = data
    walked = ""
    for part in parts[:-1]:
        walked = join_path(walked, part)
        if isinstance(node, dict):
            if str(part) not in node:
                source.origins.setdefault(walked, origin)  # what --set created, it answers for
            node = node.setdefault(str(part), {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            raise ConfigError(f"cannot set inside a {type(node).__name__}", key_path=walked, file=origin)
    last = parts[-1]
    if isinstance(node, dict):
        node[str(last)] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    else:
        raise ConfigError(f"cannot set inside a {type(node).__name__}", key_path=key_path, file=origin)
    normalized = ""
    for part in parts:
        normalized = join_path(normalized, part)
    source.origins[normalized] = origin
