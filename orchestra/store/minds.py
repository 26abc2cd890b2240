"""Mind ids: every row of the store belongs to one; the name is checked once, where it enters."""

from __future__ import annotations

import re

from orchestra.errors import StoreError

MIND_ENV = "ORCHESTRA_MIND"
"""How orchestra names the mind to an MCP server it starts (with ``ORCHESTRA_STORE``)."""

DEFAULT_MIND = "default"
"""The mind of a store that names none (and of every row written before minds existed)."""

MIND_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MIND_RULE = "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"


def check_mind(name: object) -> str:
    """Return a valid mind id: 1-64 letters, digits, ``_``, ``.`` or ``-``, starting alphanumeric.

    Raises:
        StoreError: naming the rule.
    """
    if not isinstance(name, str) or not MIND_PATTERN.fullmatch(name):
        raise StoreError(f"invalid mind {name!r}: use {MIND_RULE}")
    return name
