"""The host-worker frames: plain JSON data only, refused when malformed or too long."""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

import pytest

from orchestra.sandbox import protocol
from orchestra.sandbox.protocol import Channel, ProtocolError, decode, encode, plain


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

    def test_a_circular_value_becomes_plain_data(self) -> None:
        circular: list[Any] = []
        circular.append(circular)
        json.dumps(plain(circular))

    def test_a_deep_value_is_cut_to_its_repr(self) -> None:
        deep: list[Any] = []
        for _ in range(5000):
            deep = [deep]
        assert "[[[" in json.dumps(plain(deep))


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
    """Frames over a channel are capped, and a read never waits past its timeout."""

    @pytest.fixture
    def pair(self) -> Any:
        ours, theirs = socket.socketpair()
        reader, writer = Channel(ours), Channel(theirs)
        yield reader, writer
        reader.close()
        writer.close()

    def test_send_then_receive(self, pair: Any) -> None:
        reader, writer = pair
        writer.send({"op": "run", "code": "1 + 1"})
        assert reader.receive(1.0) == {"op": "run", "code": "1 + 1"}

    def test_frame_at_the_cap_is_accepted(self, pair: Any) -> None:
        reader, writer = pair
        message = {"op": "run", "code": "x" * 100}
        reader.max_bytes = len(encode(message))
        writer.send(message)
        assert reader.receive(1.0) == message

    def test_frame_over_the_cap_is_refused(self, pair: Any) -> None:
        reader, writer = pair
        message = {"op": "run", "code": "x" * 100}
        reader.max_bytes = len(encode(message)) - 1
        writer.send(message)
        with pytest.raises(ProtocolError, match=f"at most {reader.max_bytes} are accepted"):
            reader.receive(1.0)

    def test_default_cap_refuses_a_huge_frame_from_its_header(self, pair: Any) -> None:
        reader, writer = pair
        # only the length header of a frame one byte over the cap: refused before any body is read
        writer.sock.sendall(struct.pack(">I", protocol.MAX_FRAME_BYTES + 1))
        with pytest.raises(ProtocolError, match=f"at most {protocol.MAX_FRAME_BYTES} are accepted"):
            reader.receive(1.0)

    def test_garbage_frame_is_a_protocol_error(self, pair: Any) -> None:
        reader, writer = pair
        body = b"not json at all"
        writer.sock.sendall(struct.pack(">I", len(body)) + body)
        with pytest.raises(ProtocolError, match="not a JSON message"):
            reader.receive(1.0)

    def test_no_message_within_the_timeout_is_none(self, pair: Any) -> None:
        reader, _writer = pair
        started = time.monotonic()
        assert reader.receive(0.2) is None
        assert time.monotonic() - started < 1.0

    def test_a_frame_left_unfinished_fails_at_the_timeout(self, pair: Any) -> None:
        """A worker that announces 4096 bytes and sends 7 cannot hang the host."""
        reader, writer = pair
        writer.sock.sendall(struct.pack(">I", 4096) + b"garbage")
        started = time.monotonic()
        with pytest.raises(ProtocolError, match="unfinished"):
            reader.receive(0.3)
        assert time.monotonic() - started < 1.5

    def test_closed_peer_is_eof(self, pair: Any) -> None:
        reader, writer = pair
        writer.close()
        with pytest.raises(EOFError):
            reader.receive(1.0)
