"""The cognitive services as in-process smolagents tools, described by their own signatures.

Each of the 37 ``CognitiveServices`` methods becomes a tool whose inputs and description come
from the method's type hints and Google docstring (smolagents' own schema reader), so the
in-process tools and the MCP server describe the same surface from the same source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smolagents import Tool
from smolagents._function_type_hints_utils import get_json_schema

from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from orchestra.tools.background_loop import BackgroundLoop

_OUTPUT_TYPES = {
    "object": "object",
    "array": "array",
    "string": "string",
    "integer": "integer",
    "number": "number",
}


class FunctionTool(Tool):
    """A tool defined by data (name, description, inputs) plus a callable taking keyword arguments."""

    skip_forward_signature_validation = True

    def __init__(
        self,
        *,
        name: str,
        description: str,
        inputs: dict[str, dict[str, Any]],
        output_type: str,
        call: Callable[..., Any],
    ) -> None:
        self.name = name
        self.description = description
        self.inputs = inputs
        self.output_type = output_type
        self._call = call
        super().__init__()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
                kwargs = dict(args[0])
            else:
                kwargs = {**dict(zip(self.inputs, args, strict=False)), **kwargs}
        return self._call(**kwargs)


def describe_method(method: Callable[..., Any]) -> tuple[str, dict[str, dict[str, Any]], str]:
    """Description, smolagents inputs and output type of a typed, documented method."""
    schema = get_json_schema(method)["function"]
    inputs = {
        key: {field: value for field, value in spec.items() if field in ("type", "description", "nullable")}
        for key, spec in schema["parameters"]["properties"].items()
    }
    returned = schema.get("return", {}).get("type")
    output_type = _OUTPUT_TYPES.get(returned, "any") if isinstance(returned, str) else "any"
    return schema["description"], inputs, output_type


def service_tools(services: CognitiveServices, loop: BackgroundLoop, timeout_s: float) -> list[Tool]:
    """The 37 tools, each running its service method on ``loop`` with ``timeout_s``."""
    tools: list[Tool] = []
    for name in TOOL_NAMES:
        method = getattr(services, name)
        description, inputs, output_type = describe_method(method)

        def call(_method: Callable[..., Any] = method, _name: str = name, **kwargs: Any) -> Any:
            return loop.run(_method(**kwargs), timeout_s, what=_name)

        tools.append(
            FunctionTool(
                name=name, description=description, inputs=inputs, output_type=output_type, call=call
            )
        )
    return tools
