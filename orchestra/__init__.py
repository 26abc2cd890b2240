"""orchestra: code-first cognitive agents on smolagents, one agent per ThoughtSeed layer."""

from __future__ import annotations

import os

# litellm fetches its model cost map from the network at import unless told otherwise;
# orchestra must import offline, so this is set before anything can import litellm.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
