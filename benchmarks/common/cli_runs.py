"""What the command-line benchmarks share: a keyless environment for a fresh orchestra process,
and where their results go (``benchmarks/results/<name>.{json,md}``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def offline_environment(home: str) -> dict[str, str]:
    """This environment without API keys, with ``ORCHESTRA_HOME`` at ``home`` (a fresh store)."""
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    env["ORCHESTRA_HOME"] = home
    return env


def publish(name: str, doc: dict[str, Any], text: str) -> None:
    """Write ``doc`` as ``<name>.json`` and ``text`` as ``<name>.md`` in the results, and print ``text``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(text)
    print(text)
