"""A foreign MCP server with the habits of real ones, for the issue-12 bridge tests.

Tool names that are not Python identifiers, plain-text results, a tool that reports its own
environment; flags to start slowly, to fail at start, and to count its starts.

Run: ``python -m tests.fixture_mcp_odd [--delay S] [--fail] [--starts FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

from mcp import types
from mcp.server.fastmcp import Context, FastMCP
from pydantic import AnyUrl, BaseModel

server = FastMCP("odd", log_level="WARNING")


@server.tool(name="get-sum")
def get_sum(a: int, b: int) -> int:
    """Add two integers (a hyphenated name, with an output schema).

    Args:
        a: first addend.
        b: second addend.
    """
    return a + b


@server.tool(name="search.nodes", structured_output=False)
def search_nodes(query: str) -> str:
    """Find nodes (a dotted name, plain text out).

    Args:
        query: what to look for.
    """
    return f"found: {query}"


@server.tool(name="echo", structured_output=False)
def echo(text: str) -> str:
    """Return the text as it is, with no output schema.

    Args:
        text: the text.
    """
    return text


@server.tool(name="environment", structured_output=False)
def environment() -> str:
    """This server's environment as JSON text (what a careless reference server does)."""
    return json.dumps(dict(os.environ))


STATE = {"count": 0}


@server.tool(name="count")
def count() -> int:
    """Add one to an in-memory counter and return it (state a restart would lose)."""
    STATE["count"] += 1
    return STATE["count"]


@server.tool(name="sleep", structured_output=False)
async def sleep(seconds: float) -> str:
    """Sleep, then answer (a slow call; the server keeps serving others meanwhile).

    Args:
        seconds: how long.
    """
    await asyncio.sleep(seconds)
    return "awake"


PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@server.tool(name="media", structured_output=False)
def media() -> list[types.ContentBlock]:
    """Text, an image, two resource links and an embedded resource in one result."""
    return [
        types.TextContent(type="text", text="here are 2 resource links"),
        types.ImageContent(type="image", data=PIXEL, mimeType="image/png"),
        types.ResourceLink(type="resource_link", uri=AnyUrl("file:///data/a.txt"), name="a.txt"),
        types.ResourceLink(type="resource_link", uri=AnyUrl("file:///data/b.txt"), name="b.txt"),
        types.EmbeddedResource(
            type="resource",
            resource=types.TextResourceContents(uri=AnyUrl("memo://note"), text="note body", mimeType="text/plain"),
        ),
    ]


@server.tool(name="whoami", structured_output=False)
def whoami(ctx: Context) -> str:  # type: ignore[type-arg]
    """The Authorization header of the HTTP request that called this tool, and the working directory."""
    request = ctx.request_context.request
    header = request.headers.get("authorization", "") if request is not None else ""
    return json.dumps({"authorization": header, "cwd": os.getcwd()})


class Entity(BaseModel):
    """One entity of a knowledge graph."""

    name: str
    entityType: str  # the reference memory server's field name
    observations: list[str] = []


class Created(BaseModel):
    """What create-entities answers."""

    created: list[str]
    total: int


@server.tool(name="create-entities")
def create_entities(entities: list[Entity]) -> Created:
    """Create entities in the graph (nested arguments, an object result).

    Args:
        entities: the entities to create.
    """
    return Created(created=[entity.name for entity in entities], total=len(entities))


@server.tool(name="refuse", structured_output=False)
def refuse(text: str) -> str:
    """Always fail (a tool whose service is broken).

    Args:
        text: ignored.
    """
    raise ValueError(f"refused: {text[:40]}")


def main() -> None:
    """Start, after the flags' delays and failures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--starts")
    parser.add_argument("--fail-while", help="fail at start while this file exists")
    parser.add_argument("--http", type=int, help="serve streamable HTTP on this port instead of stdio")
    args = parser.parse_args()
    if args.starts:
        with open(args.starts, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    sys.stderr.write("odd server: starting\n")
    sys.stderr.flush()
    if args.fail or (args.fail_while and os.path.exists(args.fail_while)):
        sys.stderr.write("odd server: cannot open /nowhere/db: permission denied\n")
        raise SystemExit(4)
    time.sleep(args.delay)
    if args.http:
        server.settings.port = args.http
        server.settings.log_level = "WARNING"
        server.run(transport="streamable-http")
    else:
        server.run(transport="stdio")


if __name__ == "__main__":
    main()
