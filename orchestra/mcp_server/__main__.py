"""``python -m orchestra.mcp_server``: the server's own command line."""

from __future__ import annotations

import sys

from orchestra.mcp_server._serve import main

if __name__ == "__main__":
    sys.exit(main())
