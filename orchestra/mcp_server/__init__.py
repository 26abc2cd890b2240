"""The cognitive services as an MCP server: the 37 tools over stdio or streamable HTTP.

Any MCP client (orchestra's own bridge, smolagents' ``ToolCollection.from_mcp``, an IDE)
gets the same tools the hierarchy calls in process, over one shared SQLite store (WAL
mode, so several servers and processes may open it at once).

What a client receives for a successful call (``structuredContent``; the single text
content item carries the same value, as JSON or as the plain string):

* a tool returning an object (``dict``), e.g. ``create_memory``: that object itself;
* any other tool is wrapped the way FastMCP wraps non-object results, ``{"result": value}``:
  a list (``search_memories``, ``get_active_basins``, ``get_models_by_winners``), text
  (``semantic_recall``) and object-or-null (``get_memory``).

A failed call is an error result, ``isError: true``, with one text item naming the tool
and the problem, and the server keeps serving:

* the service refused: ``Error executing tool create_memory: invalid memory_type 'dream';
  valid values: episodic, semantic, procedural, strategic`` (the ``ServiceError`` message);
* a missing or mistyped argument: ``... invalid arguments: content: Field required``;
* an argument the tool does not have: ``... unexpected argument(s) 'memory_types'; valid: ...``;
* a bug: ``... internal error: KeyError: 'x'`` (the traceback goes to the server's stderr log).

smolagents' MCP adapter does not raise on error results: its tool returns that text.

Run it as ``python -m orchestra.mcp_server --transport stdio|http`` (HTTP serves
``http://127.0.0.1:8765/mcp``), or call :func:`serve`, which ``orchestra mcp serve`` does.

Modules: ``_tools`` (the tools and their schemas), ``_transports`` (HTTP, stdio, signals,
the JSON-RPC gate), ``_serve`` (serving and the command line).
"""

from __future__ import annotations

from orchestra.mcp_server._serve import HeartbeatRunner, Transport, main, serve, serve_options, serve_parsed
from orchestra.mcp_server._tools import LOG_LEVELS, build_server

__all__ = [
    "LOG_LEVELS",
    "HeartbeatRunner",
    "Transport",
    "build_server",
    "main",
    "serve",
    "serve_options",
    "serve_parsed",
]
