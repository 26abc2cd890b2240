"""``python -m orchestra.mcp_server``: the server's own command line."""

from __future__ import annotations

import contextlib
import os
import sys

from orchestra.mcp_server._serve import main

if __name__ == "__main__":
    code = main()
    # The store is closed and the protocol flushed by now; what is left is the interpreter's
    # teardown of the modules mcp and pydantic load (measured: 0.5 s of CPU), which the client
    # waits for when it closes the connection, as ``orchestra`` itself skips it (cli.run).
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(ValueError, OSError):
            stream.flush()
    os._exit(code)
