"""A small foreign MCP server for bridge tests: not orchestra's, just spec-compliant FastMCP.

Run: ``python -m tests.fixture_mcp_server stdio`` or ``... http PORT``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from mcp.server.fastmcp import FastMCP

server = FastMCP("fixture", log_level="WARNING")
COUNTER = {"calls": 0}


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first addend.
        b: second addend.
    """
    COUNTER["calls"] += 1
    return a + b


@server.tool()
def shout(text: str) -> dict[str, Any]:
    """Upper-case a text and count its characters.

    Args:
        text: the text to shout.
    """
    if not text:
        raise ValueError("text must not be empty")
    return {"text": text.upper(), "length": len(text)}


@server.tool()
def stall(seconds: float) -> str:
    """Sleep, to test call timeouts.

    Args:
        seconds: how long to sleep.
    """
    import time

    time.sleep(seconds)
    return "woke"


if __name__ == "__main__":
    logging.getLogger("mcp").setLevel(logging.WARNING)
    if sys.argv[1] == "http":
        server.settings.port = int(sys.argv[2])
        server.settings.log_level = "WARNING"
        server.run(transport="streamable-http")
    else:
        server.run(transport="stdio")
