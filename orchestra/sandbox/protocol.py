"""The messages between the host and a sandbox worker: length-framed JSON, never pickle.

The worker runs code a model wrote, so everything it sends is untrusted input: frames are capped
(:data:`MAX_FRAME_BYTES` by default) and decoded as JSON only — unpickling a worker's bytes would
hand it the host. Values cross as plain data (``None``, bools, numbers, strings, lists, dicts);
anything else is sent as its ``repr``, so no object of either side reaches the other.
"""

from __future__ import annotations

import json
from multiprocessing.connection import Connection
from typing import Any

MAX_FRAME_BYTES = 8 * 1024 * 1024
"""Largest message either side accepts unless told otherwise."""


class ProtocolError(Exception):
    """The other side sent something that is not a message: it is broken or hostile."""


def plain(value: Any) -> Any:
    """``value`` as JSON-safe plain data: containers kept, any other object replaced by its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return repr(value)


def encode(message: dict[str, Any]) -> bytes:
    """One message as bytes (UTF-8 JSON; lone surrogates escaped rather than refused)."""
    return json.dumps(plain(message), ensure_ascii=False).encode("utf-8", "surrogatepass")


def decode(frame: bytes) -> dict[str, Any]:
    """A frame back into a message; anything but a JSON object with a string ``op`` is refused."""
    try:
        message = json.loads(frame.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError, RecursionError) as bad:
        raise ProtocolError(f"not a JSON message: {bad}") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ProtocolError("a message is a JSON object with an 'op'")
    return message


def send(connection: Connection, message: dict[str, Any]) -> None:
    """Write one message."""
    connection.send_bytes(encode(message))


def receive(connection: Connection, max_bytes: int = MAX_FRAME_BYTES) -> dict[str, Any]:
    """Read one message of at most ``max_bytes``.

    Raises:
        ProtocolError: the frame was too long, truncated or not a message.
        EOFError: the other side closed its end.
    """
    try:
        frame = connection.recv_bytes(max_bytes)
    except OSError as bad:
        raise ProtocolError(f"unreadable frame ({bad}); a frame may hold at most {max_bytes} bytes") from None
    return decode(frame)
