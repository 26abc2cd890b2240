"""The scripted model server's old address, kept because tests outside ``tests/benchmarks`` and the
README's ``python -m benchmarks.model_server`` use it; the server lives in :mod:`benchmarks.server`.
"""

from __future__ import annotations

from benchmarks.server.model_server import ModelServer, load_replies, main

__all__ = ["ModelServer", "load_replies", "main"]

if __name__ == "__main__":
    main()
