"""The messages between the host and a sandbox worker: length-framed JSON, never pickle.

The worker runs code a model wrote, so everything it sends is untrusted input: frames are capped
(:data:`MAX_FRAME_BYTES` by default) and decoded as JSON only — unpickling a worker's bytes would
hand it the host. Values cross as plain data (``None``, bools, numbers, strings, lists, dicts);
anything else is sent as its ``repr``, so no object of either side reaches the other.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

MAX_FRAME_BYTES = 8 * 1024 * 1024
"""Largest message either side accepts unless told otherwise."""


class ProtocolError(Exception):
    """The other side sent something that is not a message: it is broken or hostile."""


PLAIN_DEPTH = 64
"""Nesting kept by :func:`plain`; deeper values (and cycles) become their repr."""


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-safe plain data: containers kept, any other object replaced by its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth >= PLAIN_DEPTH:
        return _short_repr(value)
    if isinstance(value, dict):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item, depth + 1) for item in value]
    return _short_repr(value)


def _short_repr(value: Any, limit: int = 10_000) -> str:
    try:
        text = repr(value)
    except Exception as failure:  # a repr that raises (or recurses) still gives a line
        text = f"<{type(value).__name__} whose repr failed: {type(failure).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


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


class Channel:
    """Length-framed messages over a stream socket, every read and write bounded in time.

    A frame is a 4-byte big-endian length and that many bytes of JSON. The host never blocks on a
    worker without a limit: a worker that stops mid-frame (or sends a length it never fills)
    fails the read at its deadline instead of hanging the beat.
    """

    def __init__(self, sock: socket.socket, max_bytes: int = MAX_FRAME_BYTES) -> None:
        self.sock = sock
        self.max_bytes = max_bytes
        self.closed = False

    def send(self, message: dict[str, Any], timeout: float | None = None) -> None:
        """Write one message; ``OSError`` (``TimeoutError`` included) when the other side won't take it."""
        data = encode(message)
        self.sock.settimeout(timeout)
        self.sock.sendall(struct.pack(">I", len(data)) + data)

    def receive(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message, or None when none began within ``timeout`` seconds.

        Raises:
            ProtocolError: a frame was too long, not a message, or not finished within ``timeout``.
            EOFError: the other side closed its end.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        header = self._read(4, deadline, started=False)
        if header is None:
            return None
        (size,) = struct.unpack(">I", header)
        if size > self.max_bytes:
            raise ProtocolError(f"a frame of {size} bytes; at most {self.max_bytes} are accepted")
        body = self._read(size, deadline, started=True)
        assert body is not None
        return decode(body)

    def _read(self, size: int, deadline: float | None, *, started: bool) -> bytes | None:
        chunks, got = [], 0
        while got < size:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(size - got, 1 << 20))
            except (TimeoutError, BlockingIOError):  # a timeout of 0 makes the socket non-blocking
                if not started and got == 0:
                    return None
                raise ProtocolError("a frame was left unfinished") from None
            except OSError as broken:
                raise EOFError(str(broken)) from None
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            got += len(chunk)
            started = True
        return b"".join(chunks)

    def close(self) -> None:
        """Close the socket."""
        if not self.closed:
            self.closed = True
            self.sock.close()
