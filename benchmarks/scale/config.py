"""Configs for the scale curves: the shipped ``thoughtseed.yaml`` with the decision benchmark's overrides.

:func:`benchmarks.decision.scenarios.bench_config` applies ``--set`` overrides to a shipped file;
the curves need more than a ``--set`` string carries comfortably (an MCP source with a command
line, generated layers and graph, a model id per mind), so the same overrides are applied here to
the parsed YAML and then validated by :func:`orchestra.config.config_from_dict`, the last step of
every load. With no replacements the result equals ``bench_config("thoughtseed.yaml", ...)``
(a test checks that), so every curve starts from the decision benchmark's own config.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from benchmarks.decision.scenarios import API_KEY, CONFIGS, MODEL_ID
from benchmarks.decision.texts import ROOT_TOOLS
from orchestra.config import Config, config_from_dict

IN_PROCESS_SOURCES: tuple[dict[str, Any], ...] = (
    {"python": "orchestra.tools.builtin"},
    {"services": "in_process"},
)
"""The decision benchmark's tool sources: the built-in tool and the 37 services in process."""


@cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CONFIGS / "thoughtseed.yaml").read_text(encoding="utf-8"))
    return data


def scale_config(
    api_base: str,
    store_path: Path,
    *,
    model_id: str = MODEL_ID,
    sources: list[dict[str, Any]] | None = None,
    layers: dict[str, dict[str, Any]] | None = None,
    feeds: list[str] | None = None,
) -> Config:
    """The shipped DAG config pointed at the model server and a store, with optional replacements.

    Args:
        api_base: The model server's base URL.
        store_path: The store of the in-process services (and of an MCP source's fallback).
        model_id: litellm model id; the minds curve gives each mind its own, so the server's request
            log tells the minds apart (the server echoes no other per-client field).
        sources: ``tools.sources`` entries; the in-process built-in and services by default.
        layers: Replaces ``layers`` (the wide DAG); ``graph.modulates`` is then emptied.
        feeds: Replaces ``graph.feeds`` (``"a -> b"`` edges).

    Returns:
        The validated config.
    """
    data = deepcopy(_shipped())
    data["models"]["default"].update(
        {"model": model_id, "api_base": api_base, "api_key": API_KEY, "fallbacks": []}
    )
    data["tools"] = {"sources": deepcopy(sources) if sources is not None else list(IN_PROCESS_SOURCES)}
    data["services"]["store_path"] = str(store_path)
    data["root"]["tools"] = list(ROOT_TOOLS)
    if layers is not None:
        data["layers"] = deepcopy(layers)
        data["graph"] = {"feeds": list(feeds or []), "modulates": []}
    elif feeds is not None:
        data["graph"]["feeds"] = list(feeds)
    return config_from_dict(data)
