"""The reply scripts' old address, kept because tests outside ``tests/benchmarks`` import it; the
scripts live in :mod:`benchmarks.server.reply_scripts`.
"""

from __future__ import annotations

from benchmarks.server.reply_scripts import *  # noqa: F403  (everything, as at the old address)
