"""A side's config: its own checkout's ``configs/thoughtseed.yaml`` with the side's knobs applied.

Each side reads the shipped file of its own checkout, so the old code gets the file it shipped with
and only keys it accepts (it refuses unknown keys with exit 2; :func:`validate` asks the side's own
``orchestra validate``). The knobs are applied to the parsed YAML, not as ``--set`` flags, so the
written file is the whole config of the side and can be read in the results directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

SHIPPED = Path("configs") / "thoughtseed.yaml"
"""The config every side starts from, relative to its checkout."""


def parse_sets(pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings → dotted key → value, values parsed as YAML (as ``orchestra --set`` does).

    Raises:
        ValueError: A pair without ``=`` or with an empty key.
    """
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        parsed[key.strip()] = yaml.safe_load(value)
    return parsed


def apply_knobs(data: Mapping[str, Any], knobs: Mapping[str, Any], *, api_base: str) -> dict[str, Any]:
    """A copy of ``data`` with every dotted key set (``{api_base}`` in string values filled in).

    Intermediate mappings are created when missing; a value replaces what was there whole.

    Args:
        data: The parsed shipped config.
        knobs: Dotted key → value.
        api_base: The local server's ``/v1`` URL.

    Returns:
        The new config data.

    Raises:
        ValueError: A key walks through something that is not a mapping.
    """
    result: dict[str, Any] = deepcopy(dict(data))
    for dotted, value in knobs.items():
        *parents, leaf = dotted.split(".")
        node = result
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{dotted}: {part} is not a mapping in the config")
            node = child
        node[leaf] = value.replace("{api_base}", api_base) if isinstance(value, str) else deepcopy(value)
    return result


def side_config(checkout: Path, knobs: Mapping[str, Any], *, api_base: str) -> dict[str, Any]:
    """The side's config data: its checkout's shipped file with ``knobs`` applied."""
    shipped = yaml.safe_load((checkout / SHIPPED).read_text(encoding="utf-8"))
    return apply_knobs(shipped, knobs, api_base=api_base)


def write_config(data: Mapping[str, Any], path: Path) -> Path:
    """Write ``data`` as YAML to ``path`` (parents created); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(data), sort_keys=False), encoding="utf-8")
    return path


def dotted_keys(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every dotted key path in ``data`` down to its leaves (lists and scalars are leaves)."""
    keys: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        keys.add(path)
        if isinstance(value, Mapping):
            keys |= dotted_keys(value, f"{path}.")
    return keys
