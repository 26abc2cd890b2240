"""The host-worker frames: plain JSON data only, refused when malformed or too long."""

from __future__ import annotations

import json
import multiprocessing
import os
import struct
from typing import Any

import pytest

from orchestra.sandbox import protocol
from orchestra.sandbox.protocol import ProtocolError, decode, encode, plain


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


class TestPlain:
    """Values become JSON-safe plain data; no object crosses."""

    @pytest.mark.parametrize("value", [None, True, False, 0, -7, 2.5, "", "text", "é\u2603"])
    def test_scalars_unchanged(self, value: Any) -> None:
        converted = plain(value)
        assert converted == value
        assert type(converted) is type(value)

    def test_containers_become_lists_and_dicts(self) -> None:
        assert plain((1, 2)) == [1, 2]
        assert plain({3}) == [3]
        assert plain(frozenset({"a"})) == ["a"]
        assert plain({"a": (1, {"b": {2}})}) == {"a": [1, {"b": [2]}]}

    def test_keys_become_strings(self) -> None:
        assert plain({1: "one", None: "none", (1, 2): "pair"}) == {
            "1": "one",
            "None": "none",
            "(1, 2)": "pair",
        }

    def test_other_objects_become_their_repr(self) -> None:
        assert plain(Opaque()) == "<Opaque thing>"
        assert plain(b"raw") == "b'raw'"
        assert plain([Opaque(), {"k": Opaque()}]) == ["<Opaque thing>", {"k": "<Opaque thing>"}]

    def test_result_is_json(self) -> None:
        value = {"when": object(), "items": ({1, 2}, (Opaque(),)), 5: b"x"}
        assert json.loads(json.dumps(plain(value))) == plain(value)

    @pytest.mark.xfail(
        reason="protocol.py plain() recurses without a depth or cycle guard: a self-containing list "
        "raises RecursionError instead of becoming plain data",
        strict=True,
    )
    def test_a_circular_value_becomes_plain_data(self) -> None:
        circular: list[Any] = []
        circular.append(circular)
        json.dumps(plain(circular))


class TestDecode:
    """Anything but a JSON object with a string 'op' is refused."""

    def test_round_trip(self) -> None:
        message = {"op": "call", "name": "tool", "args": [1, "two", None], "kwargs": {"k": [True]}}
        assert decode(encode(message)) == message

    def test_round_trip_plainifies(self) -> None:
        assert decode(encode({"op": "returned", "value": (1, Opaque())})) == {
            "op": "returned",
            "value": [1, "<Opaque thing>"],
        }

    def test_lone_surrogate_survives(self) -> None:
        assert decode(encode({"op": "x", "text": "a\ud800b"}))["text"] == "a\ud800b"

    @pytest.mark.parametrize(
        ("frame", "message"),
        [
            (b"[1, 2]", "a JSON object with an 'op'"),
            (b'"op"', "a JSON object with an 'op'"),
            (b"42", "a JSON object with an 'op'"),
            (b"null", "a JSON object with an 'op'"),
            (b"{}", "a JSON object with an 'op'"),
            (b'{"name": "tool"}', "a JSON object with an 'op'"),
            (b'{"op": 1}', "a JSON object with an 'op'"),
            (b'{"op": null}', "a JSON object with an 'op'"),
            (b'{"op": "x"', "not a JSON message"),
            (b"", "not a JSON message"),
            (b"\x80\x03}q\x00.", "not a JSON message"),  # a pickle is never unpickled
            (b"\xff\xfe{}", "not a JSON message"),
            (b"[" * 200_000 + b"]" * 200_000, "not a JSON message"),
        ],
    )
    def test_refused(self, frame: bytes, message: str) -> None:
        with pytest.raises(ProtocolError, match=message.replace("(", r"\(")):
            decode(frame)


class TestFrames:
    """Frames over a connection are capped."""

    @pytest.fixture
    def pipe(self) -> Any:
        reader, writer = multiprocessing.Pipe(duplex=False)
        yield reader, writer
        reader.close()
        writer.close()

    def test_send_then_receive(self, pipe: Any) -> None:
        reader, writer = pipe
        protocol.send(writer, {"op": "run", "code": "1 + 1"})
        assert protocol.receive(reader) == {"op": "run", "code": "1 + 1"}

    def test_frame_at_the_cap_is_accepted(self, pipe: Any) -> None:
        reader, writer = pipe
        message = {"op": "run", "code": "x" * 100}
        size = len(encode(message))
        protocol.send(writer, message)
        assert protocol.receive(reader, max_bytes=size) == message

    def test_frame_over_the_cap_is_refused(self, pipe: Any) -> None:
        reader, writer = pipe
        message = {"op": "run", "code": "x" * 100}
        size = len(encode(message))
        protocol.send(writer, message)
        with pytest.raises(ProtocolError, match=f"at most {size - 1} bytes"):
            protocol.receive(reader, max_bytes=size - 1)

    def test_default_cap_refuses_a_huge_frame_from_its_header(self, pipe: Any) -> None:
        reader, writer = pipe
        # only the length header of a frame one byte over the cap: refused before any body is read
        os.write(writer.fileno(), struct.pack("!i", protocol.MAX_FRAME_BYTES + 1))
        with pytest.raises(ProtocolError, match=f"at most {protocol.MAX_FRAME_BYTES} bytes"):
            protocol.receive(reader)

    def test_garbage_frame_is_a_protocol_error(self, pipe: Any) -> None:
        reader, writer = pipe
        writer.send_bytes(b"not json at all")
        with pytest.raises(ProtocolError, match="not a JSON message"):
            protocol.receive(reader)

    def test_closed_peer_is_eof(self, pipe: Any) -> None:
        reader, writer = pipe
        writer.close()
        with pytest.raises(EOFError):
            protocol.receive(reader)
