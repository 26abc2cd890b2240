"""orchestra: code-first cognitive agents on smolagents, one agent per ThoughtSeed layer."""

from __future__ import annotations

import os

# litellm fetches its model cost map from the network at import unless told otherwise;
# orchestra must import offline, so this is set before anything can import litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import structlog

from orchestra.logs import configure_logging

if not structlog.is_configured():
    # Quiet by default (warnings and errors, to stderr); an application that configures
    # structlog itself, before or after this import, wins.
    configure_logging(stdlib=False)

__version__ = "0.1.0"
