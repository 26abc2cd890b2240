"""What an MCP tool result becomes for the agent: text stays text, other content stays visible.

Agents (and the sandbox worker they run in) see plain values, so images and audio are written
to the connection's scratch directory and arrive as a typed dict with the file's path;
resources and resource links arrive as dicts with their URI (and text, when embedded).
Nothing is dropped silently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
from pathlib import Path
from typing import Any

from mcp import types

from orchestra.errors import ToolError


class ToolCallFailed(ToolError):
    """The server answered with an error result: the tool ran and refused (not a transport failure)."""


def unpack(
    name: str,
    result: types.CallToolResult,
    *,
    declares_output: bool,
    scratch: Path,
    value_key: str | None = None,
) -> Any:
    """The value an agent gets: structured content; else the text; else every part, typed.

    Text is JSON-decoded only for tools that declare an output schema. ``value_key`` is the
    property the tool's output schema names with ``x-orchestra-value``: that property alone.

    Raises:
        ToolCallFailed: the result is an error result.
    """
    content = list(result.content or [])
    texts = [item.text for item in content if isinstance(item, types.TextContent)]
    if result.isError:
        raise ToolCallFailed("\n".join(texts).strip() or f"{name} returned an error")
    structured = result.structuredContent
    if isinstance(structured, dict):
        # FastMCP wraps non-object results as {"result": value}; callers get the value itself.
        if set(structured) == {"result"}:
            return structured["result"]
        if value_key is not None and value_key in structured:
            return structured[value_key]
        return structured
    if len(texts) == len(content):
        text = "\n".join(texts)
        if not declares_output:
            return text
        try:
            return json.loads(text)
        except (json.JSONDecodeError, ValueError):
            return text
    return [_part(item, scratch) for item in content]


MAX_SCRATCH_FILES = 128
"""Images and audio kept per connection; the oldest go first (a mind beats for weeks)."""


def _prune(scratch: Path, keep: int = MAX_SCRATCH_FILES) -> None:
    files = sorted(scratch.iterdir(), key=lambda entry: entry.stat().st_mtime_ns)
    for stale in files[:-keep] if len(files) > keep else []:
        stale.unlink(missing_ok=True)


def _part(item: Any, scratch: Path) -> Any:
    """One content block as a plain value."""
    if isinstance(item, types.TextContent):
        return item.text
    if isinstance(item, types.ImageContent | types.AudioContent):
        kind = "image" if isinstance(item, types.ImageContent) else "audio"
        try:
            data = base64.b64decode(item.data, validate=True)
        except (binascii.Error, ValueError):
            return {"type": kind, "mime_type": item.mimeType, "omitted": "its base64 data is invalid"}
        suffix = mimetypes.guess_extension(item.mimeType or "") or ".bin"
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        path.write_bytes(data)
        _prune(scratch)
        return {"type": kind, "mime_type": item.mimeType, "size_bytes": len(data), "path": str(path)}
    if isinstance(item, types.ResourceLink):
        return {
            "type": "resource_link",
            "uri": str(item.uri),
            "name": item.name,
            "description": item.description,
            "mime_type": item.mimeType,
        }
    if isinstance(item, types.EmbeddedResource):
        resource = item.resource
        part: dict[str, Any] = {"type": "resource", "uri": str(resource.uri), "mime_type": resource.mimeType}
        if isinstance(resource, types.TextResourceContents):
            part["text"] = resource.text
        else:
            part["size_bytes"] = len(base64.b64decode(resource.blob or "", validate=False))
            part["omitted"] = "binary contents"
        return part
    kind = str(getattr(item, "type", "unknown"))
    return {"type": kind, "omitted": "a content type the bridge does not know"}
