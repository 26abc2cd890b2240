"""The server wrapper's readiness and idle probes against a stand-in on loopback (no model)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks.real_model.server import LlamaServer, ServerSettings


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _send(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": "m"}]})

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        _Handler.seen.append(json.loads(self.rfile.read(length)))
        self._send({"choices": [{"message": {"content": "k"}}]})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_ready_and_idle_probe(stand_in: int, tmp_path: Path) -> None:
    """/v1/models answers: ready; the idle probe is a one-token completion."""
    server = LlamaServer(settings=ServerSettings(), log_path=tmp_path / "server.log", port=stand_in)
    assert server.ready()
    _Handler.seen.clear()
    assert server.wait_idle(timeout_s=10) >= 0.0
    assert _Handler.seen[-1]["max_tokens"] == 1


def test_log_offsets(tmp_path: Path) -> None:
    """What was logged after an offset, and nothing before it."""
    server = LlamaServer(settings=ServerSettings(), log_path=tmp_path / "server.log")
    assert server.log_offset() == 0
    server.log_path.write_text("first\n", encoding="utf-8")
    offset = server.log_offset()
    with server.log_path.open("a", encoding="utf-8") as log:
        log.write("second\n")
    assert server.log_since(offset) == "second\n"


def test_not_ready_without_a_server(tmp_path: Path) -> None:
    """Nothing listening: not ready, and stop() on a server never started is a no-op."""
    from benchmarks.common.ports import free_port

    server = LlamaServer(settings=ServerSettings(), log_path=tmp_path / "l", port=free_port())
    assert not server.ready()
    server.stop()
