"""The 37 service methods as FastMCP tools: schemas from their signatures, one content item per result."""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, get_origin

import structlog
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult, ContentBlock, TextContent
from pydantic import BaseModel, Field, RootModel, TypeAdapter, ValidationError, create_model
from typing_extensions import is_typeddict

from orchestra.errors import ServiceError, describe
from orchestra.mcp_server._results import RESULTS, VALUES
from orchestra.mcp_server._schemas import parameter_hints, tool_annotations
from orchestra.mcp_server._transports import gated
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from orchestra.services.vocabulary import MCP_VALUE_KEY

log = structlog.get_logger("orchestra.mcp_server")

LOG_LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error", "critical")
"""Accepted ``log_level`` values; below ``warning`` the per-request logs of mcp and uvicorn show."""

_INSTRUCTIONS = (
    "orchestra's cognitive services: memories and semantic recall, beliefs and coherence, "
    "attractor basins, thoughtseed competitions, journeys, goals and energy, the heartbeat, "
    "mental models and their predictions, and sync of memories to a remote store."
)
_ARG_LINE = re.compile(r"^(\w+):\s*(.*)$")


def build_server(
    services: CognitiveServices,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "warning",
) -> FastMCP:
    """Register the 37 tools of ``services`` on a FastMCP server (HTTP endpoint ``/mcp``).

    Each tool's input schema comes from the method's signature (with the docstring's
    ``Args`` as per-argument descriptions, enums and bounds) and its description is the
    docstring without the ``Args`` block.

    Args:
        services: open services; the server calls them, the caller closes them.
        host: address HTTP binds to; loopback by default (DNS-rebinding protection on).
        port: HTTP port.
        log_level: level for the mcp and uvicorn loggers; see :data:`LOG_LEVELS`.

    Returns:
        The server, not yet running: ``serve`` runs it, tests may use it in memory.

    Raises:
        ValueError: ``log_level`` is not one of :data:`LOG_LEVELS`.
    """
    level = check_level(log_level)
    server = _CognitiveMCP(
        "orchestra",
        instructions=_INSTRUCTIONS,
        host=host,
        port=port,
        log_level=level,  # checked against LOG_LEVELS above
        streamable_http_path="/mcp",
    )
    for name in TOOL_NAMES:
        server.add_service_tool(name, getattr(services, name), data=_data_of(services, name))
    server.type_results()
    return server


def _data_of(services: CognitiveServices, name: str) -> Callable[..., Awaitable[dict[str, Any]]] | None:
    """For a tool whose answer is text for a prompt, the method giving the same answer as data."""
    if name != "semantic_recall":
        return None

    async def recall_data(**arguments: Any) -> dict[str, Any]:
        return (await services.recall.recall(**arguments)).data()

    return recall_data


class _CognitiveMCP(FastMCP):
    """FastMCP that refuses unknown arguments and reports bad ones in one line each.

    FastMCP ignores extra arguments, so a misspelt optional argument (``memory_types`` for
    ``memory_type``) would silently do the wrong thing; here it is an error naming the valid ones.
    It also reports orchestra's version and gates JSON-RPC requests (see ``gated``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameters: dict[str, tuple[str, ...]] = {}
        """Parameter names of each service tool, in signature order."""
        lowlevel = self._mcp_server
        lowlevel.version = _orchestra_version()
        run = lowlevel.run

        async def gated_run(read: Any, write: Any, *rest: Any, **options: Any) -> None:
            async with gated(read, write) as filtered:
                await run(filtered, write, *rest, **options)

        lowlevel.run = gated_run  # type: ignore[method-assign,assignment]
        self.results: dict[str, Any] = {}
        """Result type of each service tool (see ``type_results``)."""

    def add_service_tool(
        self,
        name: str,
        method: Callable[..., Awaitable[Any]],
        *,
        data: Callable[..., Awaitable[dict[str, Any]]] | None = None,
    ) -> None:
        """Register a service method as a structured tool described by its docstring's prose.

        ``data``, when given, answers the call instead: its ``result`` is the text ``method``
        would return, and the rest is structured content for clients that read data.
        """
        self.parameters[name] = tuple(inspect.signature(method).parameters)
        returns = self.results[name] = result_type(name, method)
        self.add_tool(
            _as_tool(name, method, returns, data),
            name=name,
            description=without_args(inspect.getdoc(method) or name),
            annotations=tool_annotations(name),
            structured_output=True,
        )

    def type_results(self) -> None:
        """Give every service tool its output model and published schema (``_results``).

        FastMCP's own derivation rebuilds a TypedDict's top level from its type hints, which
        drops the enums of top-level fields and gives ``NotRequired`` keys a null default; a
        ``RootModel`` of the type checks each result, and pydantic's schema of it is published.
        """
        for name, returns in self.results.items():
            registered = self._tool_manager.get_tool(name)
            if registered is None:
                continue
            model = output_model(name, returns)
            # A RootModel's schema is a $ref to its type's; the type's own schema is the object.
            schema = model.model_json_schema() if _wrapped(returns) else TypeAdapter(returns).json_schema()
            if name in VALUES:
                schema[MCP_VALUE_KEY] = VALUES[name]
            registered.fn_metadata.output_model = model
            registered.fn_metadata.output_schema = schema

    async def call_tool(
        self, name: str, arguments: dict[str, Any]
    ) -> Sequence[ContentBlock] | dict[str, Any]:
        """Call a tool; a pydantic argument error becomes ``invalid arguments: content: Field required``."""
        if self._tool_manager.get_tool(name) is None:
            raise ToolError(f"Unknown tool: {name}; list the tools with tools/list")
        known = self.parameters.get(name)
        unknown = sorted(set(arguments) - set(known)) if known is not None else []
        if known is not None and unknown:
            valid = ", ".join(known) if known else "none; it takes no arguments"
            raise ToolError(
                f"Error executing tool {name}: unexpected argument(s) {', '.join(map(repr, unknown))}; "
                f"valid: {valid}"
            )
        broken = _unencodable(arguments)
        if broken is not None:
            raise ToolError(
                f"Error executing tool {name}: invalid arguments: {broken}: "
                "contains a lone surrogate; strings must be valid Unicode"
            )
        try:
            return await super().call_tool(name, arguments)
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, ValidationError) and cause.title.endswith("Arguments"):
                raise ToolError(f"Error executing tool {name}: invalid arguments: {_brief(cause)}") from None
            if isinstance(cause, ValidationError):  # the result does not fit the output schema: a bug
                log.error("mcp_server.result_invalid", tool=name, error=_brief(cause))
                raise ToolError(f"Error executing tool {name}: internal error: result invalid") from None
            raise


def _orchestra_version() -> str:
    """orchestra's ``__version__``; read from the loaded package (the room rules forbid importing it)."""
    return str(getattr(sys.modules["orchestra"], "__version__", "unknown"))


def _unencodable(value: Any, path: str = "") -> str | None:
    """The argument path of the first string (or key) that is not encodable UTF-8, if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "arguments"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unencodable(key, path) if isinstance(key, str) else None
            found = found or _unencodable(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unencodable(item, f"{path}.{index}")
            if found:
                return found
    return None


def _brief(error: ValidationError) -> str:
    """``arg: problem; arg: problem`` without pydantic's model name, input echo and help URL."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'arguments'}: {item['msg']}"
        for item in error.errors()
    )


def _as_tool(
    name: str,
    method: Callable[..., Awaitable[Any]],
    returns: Any,
    data: Callable[..., Awaitable[dict[str, Any]]] | None = None,
) -> Callable[..., Awaitable[CallToolResult]]:
    """Wrap a service method so FastMCP sees its schema but the client always gets one content item.

    FastMCP turns an empty list or ``None`` into *no* content, which smolagents' MCP
    adapter rejects ("returned an empty content"); returning the ``CallToolResult``
    ourselves keeps one JSON text item while FastMCP still checks it against the output
    model ``type_results`` gives the tool. Booleans are strict (``1`` and ``"yes"`` are
    refused) and parameters carry the enums and bounds of :mod:`._schemas`.
    """
    signature = inspect.signature(method, eval_str=True)
    wrap = _wrapped(returns)
    arg_docs = _arg_docs(inspect.getdoc(method) or "")
    parameters = []
    for parameter in signature.parameters.values():
        field: dict[str, Any] = {}
        if parameter.name in arg_docs:
            field["description"] = arg_docs[parameter.name]
        hints = parameter_hints(name, parameter.name)
        if hints is not None:
            field["json_schema_extra"] = hints
        if parameter.annotation is bool:
            field["strict"] = True
        parameters.append(
            parameter.replace(annotation=Annotated[parameter.annotation, Field(**field)])
            if field
            else parameter
        )

    async def call(**arguments: Any) -> CallToolResult:
        try:
            value = await (data or method)(**arguments)
            if data is not None:
                text = value["result"]
            else:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        except ServiceError:
            raise  # already a message for the caller; FastMCP prefixes the tool name
        except Exception as error:
            log.error("mcp_server.tool_failed", tool=name, error=describe(error), exc_info=True)
            raise ServiceError(f"internal error: {describe(error)}") from error
        structured = {"result": value} if wrap else value
        return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=structured)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=CallToolResult  # its output model: type_results
    )
    return call


def result_type(name: str, method: Callable[..., Awaitable[Any]]) -> Any:
    """The type of ``name``'s results: its entry in ``RESULTS``, else the method's return annotation."""
    if name in RESULTS:
        return RESULTS[name]
    return inspect.signature(method, eval_str=True).return_annotation


def _wrapped(returns: Any) -> bool:
    """FastMCP's rule: an object result is the structured content, anything else sits under ``result``."""
    return not (get_origin(returns) is dict or is_typeddict(returns))


def output_model(name: str, returns: Any) -> type[BaseModel]:
    """The model ``name``'s structured results are validated with; its schema is the output schema.

    An object result is a ``RootModel`` of its type: FastMCP's own rebuild of a TypedDict
    (from ``get_type_hints``) would drop its fields' ``Annotated`` enums and give
    ``NotRequired`` keys a null default. Anything else sits under ``result``, as FastMCP has it.
    """
    if not _wrapped(returns):
        return RootModel[returns]
    return create_model(f"{name}Output", result=(returns, ...))


def without_args(doc: str) -> str:
    """The docstring without its ``Args:`` section: each input schema property carries its line."""
    kept: list[str] = []
    in_args = False
    for line in doc.splitlines():
        if line.strip() == "Args:":
            in_args = True
            continue
        if in_args and (line.startswith(" ") or not line.strip()):
            continue
        in_args = False
        kept.append(line)
    return "\n".join(kept).strip()


def _arg_docs(doc: str) -> dict[str, str]:
    """The ``Args:`` section of a Google docstring as name -> description (continuations joined)."""
    docs: dict[str, str] = {}
    current: str | None = None
    in_args = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "Args:":
            in_args = True
            continue
        if not in_args:
            continue
        if not line.startswith(" ") and stripped:
            break  # the next section (Returns:, Raises:) or prose
        match = _ARG_LINE.match(stripped)
        if match and line.startswith("    ") and not line.startswith("     "):
            current = match.group(1)
            docs[current] = match.group(2)
        elif current and stripped:
            docs[current] += " " + stripped
    return docs


def check_level(log_level: str) -> str:
    """``log_level`` upper-cased, or ValueError naming the valid levels."""
    if log_level.lower() not in LOG_LEVELS:
        raise ValueError(f"unknown log level '{log_level}'; valid: {', '.join(LOG_LEVELS)}")
    return log_level.upper()
