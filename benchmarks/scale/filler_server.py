"""A benchmark-only MCP server: orchestra's 37 service tools plus generated filler tools, over stdio.

It is orchestra's own FastMCP server (:func:`orchestra.mcp_server.build_server`, so the service
tools, their schemas and their error handling are the real ones) with the fillers of
:mod:`benchmarks.scale.fillers` registered beside them. The bridge imports it like any MCP server
through a config's ``tools.sources`` entry (see :func:`mcp_source`).

Run: ``python -m benchmarks.scale.filler_server --store PATH --fillers N``.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import anyio
from mcp.server.fastmcp import FastMCP
from pydantic import Field

from benchmarks.scale.fillers import FillerSpec, filler_specs
from orchestra.mcp_server import build_server
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_TOOLS = 37
"""orchestra's service tools; a server of N tools adds ``N - 37`` fillers."""


def filler_function(spec: FillerSpec) -> Callable[..., str]:
    """A function FastMCP can register: the spec's typed signature and docstring, a canned reply.

    Args:
        spec: The filler.

    Returns:
        A function whose ``__signature__`` carries the parameters (with their descriptions).
    """

    def call(**arguments: Any) -> str:
        return f"{spec.name}: nothing to do in the benchmark ({len(arguments)} arguments received)"

    parameters = [
        inspect.Parameter(
            param.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[param.kind, Field(description=param.description)],
            default=inspect.Parameter.empty if param.default is None else param.default,
        )
        for param in spec.params
    ]
    call.__name__ = call.__qualname__ = spec.name
    call.__doc__ = spec.docstring
    call.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    return call


def build_filler_server(services: CognitiveServices, fillers: int) -> FastMCP:
    """orchestra's server over ``services`` with ``fillers`` filler tools added.

    Args:
        services: Open services (the caller closes them).
        fillers: How many filler tools.

    Returns:
        The server, not yet running.
    """
    server = build_server(services)
    for spec in filler_specs(fillers):
        server.add_tool(
            filler_function(spec), name=spec.name, description=spec.docstring, structured_output=True
        )
        parameters = getattr(server, "parameters", None)
        if isinstance(parameters, dict):  # orchestra's server refuses unknown arguments per tool
            parameters[spec.name] = tuple(param.name for param in spec.params)
    return server


def mcp_source(store: Path, tools: int, *, name: str = "scale") -> dict[str, Any]:
    """A ``tools.sources`` entry that bridges this server with ``tools`` tools in all.

    ``required`` is on: if the server does not start, the run fails instead of quietly falling back
    to the 37 in-process tools (which would measure the wrong thing).

    Args:
        store: The store the service tools use.
        tools: Total tools offered (at least 37).
        name: The source's label.

    Returns:
        The entry as plain data (``{"mcp": {...}}``).
    """
    if tools < SERVICE_TOOLS:
        raise ValueError(f"a filler server offers at least {SERVICE_TOOLS} tools, not {tools}")
    return {
        "mcp": {
            "name": name,
            "command": [
                "python",
                "-m",
                "benchmarks.scale.filler_server",
                "--store",
                str(store),
                "--fillers",
                str(tools - SERVICE_TOOLS),
            ],
            "env": {"PYTHONPATH": str(REPO_ROOT)},
            "call_timeout_s": 10,
            "connect_timeout_s": 30,
            "fallback": "in_process",
            "required": True,
        }
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve over stdio until the client closes stdin.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale.filler_server")
    parser.add_argument("--store", required=True, type=Path, help="SQLite store of the service tools")
    parser.add_argument("--fillers", type=int, default=0, help="filler tools beside the 37 services")
    args = parser.parse_args(argv)
    from orchestra.logs import configure_logging

    configure_logging("console", "warning")  # stderr: stdout carries the protocol
    logging.getLogger("mcp").setLevel(logging.WARNING)
    services = CognitiveServices.open(ServicesSettings(store_path=str(args.store)))
    try:
        server = build_filler_server(services, args.fillers)
        anyio.run(server.run_stdio_async)
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
