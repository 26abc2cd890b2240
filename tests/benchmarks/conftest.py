"""Fixtures for the benchmark tests: offline litellm and an importable ``benchmarks`` package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # must precede any litellm import

_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:  # `benchmarks` is not an installed package
    sys.path.insert(0, _REPO_ROOT)
