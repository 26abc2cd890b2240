"""Issue 12, the server as other clients meet it: version, quiet stderr, JSON logs, strict inputs, 400s.

One ``orchestra --log-format json mcp serve --transport http`` for the module, spoken to with raw
JSON-RPC over HTTP (what an inspector sends) and with the SDK's client; stdio cases start their own.
The last HTTP test reads the server's whole stderr after everything above has been thrown at it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

import orchestra
from tests.mcp.servers import CLI_SERVE, ROOT, SERVER, http_server, server_env, stdio_params
from tests.mcp.test_protocol import with_session

PROTOCOL = "2025-06-18"
BOOLEAN_TOOLS = {
    "query_journey_history": {"journey_id": "j"},
    "sync_now": {},
    "resume_sync": {},
    "bootstrap_recovery": {},
    "semantic_recall": {"query": "x"},
    "list_goals": {},
    "get_mental_model": {"model_id": "m"},
}
"""Each tool with a boolean parameter, and the other arguments it needs."""
BOOLEAN_PARAMETER = {
    "query_journey_history": "include_documents",
    "sync_now": "force",
    "resume_sync": "process_queue",
    "bootstrap_recovery": "dry_run",
    "semantic_recall": "weight_by_importance",
    "list_goals": "include_completed",
    "get_mental_model": "include_predictions",
}


class Served(NamedTuple):
    url: str
    log: Path
    session: str


class Rpc:
    """Raw JSON-RPC over streamable HTTP, one initialized session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=30)
        self.headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        answer = self.post(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": PROTOCOL,
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            }
        )
        self.init = answer
        self.headers["mcp-protocol-version"] = PROTOCOL
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def post(self, message: dict[str, Any]) -> dict[str, Any]:
        response = self.raw(json.dumps(message).encode())
        if "mcp-session-id" in response.headers:
            self.headers["mcp-session-id"] = response.headers["mcp-session-id"]
        if response.status_code == 202 or not response.text:
            return {}
        return sse_data(response.text)

    def raw(self, body: bytes) -> httpx.Response:
        return self.client.post(self.url, content=body, headers=self.headers)

    def call(self, name: str, arguments: dict[str, Any], request_id: int = 9) -> dict[str, Any]:
        message = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call"}
        message["params"] = {"name": name, "arguments": arguments}
        return self.post(message)


def sse_data(text: str) -> dict[str, Any]:
    """The JSON of the one ``data:`` line of an SSE answer (or the body when it is plain JSON)."""
    for line in text.splitlines():
        if line.startswith("data:"):
            return dict(json.loads(line[5:]))
    return dict(json.loads(text))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("clients")
    log = directory / "server.log"
    with http_server(directory / "orchestra.db", directory / "home", log, command=CLI_SERVE) as (url, _p):
        yield Served(url, log, "")


@pytest.fixture(scope="module")
def rpc(served: Served) -> Rpc:
    return Rpc(served.url)


class TestVersion:
    def test_server_info_version_is_orchestras_not_the_sdks(self, rpc: Rpc) -> None:
        """``serverInfo.version`` was mcp's 1.30.0; it is orchestra's ``__version__``."""
        assert rpc.init["result"]["serverInfo"] == {"name": "orchestra", "version": orchestra.__version__}

    def test_sdk_client_over_http_sees_the_version(self, served: Served) -> None:
        """The SDK's own streamable-HTTP client reads the same version."""

        async def version() -> str:
            async with (
                streamablehttp_client(served.url) as (read, write, _id),
                ClientSession(read, write) as session,
            ):
                return (await session.initialize()).serverInfo.version

        assert asyncio.run(version()) == orchestra.__version__


class TestProtocolErrors:
    def test_unknown_method_answers_method_not_found_not_invalid_params(self, rpc: Rpc) -> None:
        """An unknown JSON-RPC method is -32601 (it was -32602 with 85 lines of pydantic on stderr)."""
        answer = rpc.post({"jsonrpc": "2.0", "id": 2, "method": "tools/frobnicate", "params": {}})
        assert answer["error"]["code"] == -32601 and "tools/frobnicate" in answer["error"]["message"]

    def test_malformed_params_are_invalid_params_in_one_line(self, rpc: Rpc) -> None:
        """A known method with bad params is -32602 naming the field, one line."""
        answer = rpc.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"nam": "x"}})
        assert answer["error"]["code"] == -32602
        assert (
            "params.name: Field required" in answer["error"]["message"]
            and "\n" not in answer["error"]["message"]
        )

    def test_unknown_tool_is_a_clean_tool_error(self, rpc: Rpc) -> None:
        """An unknown tool is an error result naming it (and no stdlib warning, checked below)."""
        result = rpc.call("no_such_tool", {})["result"]
        assert result["isError"] is True and "Unknown tool: no_such_tool" in result["content"][0]["text"]

    def test_invalid_utf8_body_is_400_not_500(self, rpc: Rpc) -> None:
        """Bytes that are not UTF-8 are the client's error: HTTP 400, JSON-RPC parse error."""
        response = rpc.raw(b'{"jsonrpc": "2.0", "id": 4, "method": "ping", "x": "\xff\xfe"}')
        assert response.status_code == 400 and response.json()["error"]["code"] == -32700

    def test_20000_deep_json_is_400_not_500(self, rpc: Rpc) -> None:
        """JSON nested 20,000 deep is refused with 400, not an internal RecursionError."""
        response = rpc.raw(b"[" * 20_000 + b"]" * 20_000)
        assert response.status_code == 400 and "nests too deeply" in response.json()["error"]["message"]

    def test_server_still_answers_after_bad_bodies(self, rpc: Rpc) -> None:
        """None of the above broke the session."""
        result = rpc.call("get_energy_status", {})["result"]
        assert result["isError"] is False and result["structuredContent"]["max_energy"] == 20


class TestStrictInputs:
    @pytest.mark.parametrize("value", [1, "yes"], ids=["one", "yes"])
    @pytest.mark.parametrize("name", sorted(BOOLEAN_TOOLS))
    def test_booleans_refuse_1_and_yes(self, rpc: Rpc, name: str, value: object) -> None:
        """Each of the seven boolean parameters takes only true/false."""
        parameter = BOOLEAN_PARAMETER[name]
        result = rpc.call(name, {**BOOLEAN_TOOLS[name], parameter: value})["result"]
        assert result["isError"] is True
        assert (
            f"invalid arguments: {parameter}: Input should be a valid boolean" in result["content"][0]["text"]
        )

    def test_lone_surrogate_is_an_argument_error_not_unicode_encode_error(self, rpc: Rpc) -> None:
        """``"\\ud800"`` is valid JSON but not Unicode text: a clean argument error, nothing stored."""
        body = b'{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "create_memory", '
        body += b'"arguments": {"content": "half \\ud800 a pair", "metadata": {"k": ["ok", "\\udc00"]}}}}'
        result = sse_data(rpc.raw(body).text)["result"]
        text = result["content"][0]["text"]
        assert result["isError"] is True and "UnicodeEncodeError" not in text and "internal error" not in text
        assert "invalid arguments: content: contains a lone surrogate" in text


class TestQuiet:
    def test_disconnecting_client_leaves_no_traceback(self, rpc: Rpc, served: Served) -> None:
        """Clients that hang up mid-request and mid-stream cost the server no log lines."""
        host, port = served.url.split("//")[1].split("/")[0].split(":")
        for index in range(10):
            message = {"jsonrpc": "2.0", "id": 100 + index, "method": "tools/call"}
            message["params"] = {"name": "create_memory", "arguments": {"content": "long " * 20_000}}
            body = json.dumps(message).encode()
            head = f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
            head += "".join(f"{key}: {value}\r\n" for key, value in rpc.headers.items()) + "\r\n"
            with socket.create_connection((host, int(port))) as hangs_up:
                hangs_up.sendall(head.encode() + body)  # and leaves before the answer
        get = {key: value for key, value in rpc.headers.items() if key != "content-type"}
        get["accept"] = "text/event-stream"
        with (
            httpx.Client(timeout=0.3) as listener,
            pytest.raises(httpx.ReadTimeout),
            listener.stream("GET", served.url, headers=get) as stream,
        ):
            for _chunk in stream.iter_bytes():
                pass
        assert rpc.call("get_energy_status", {})["result"]["isError"] is False

    def test_every_stderr_line_is_json_and_only_the_listening_line_shows(self, served: Served) -> None:
        """Under ``--log-format json`` each stderr line parses; at the default level only one is there."""
        rpc_close = Rpc(served.url)
        rpc_close.client.delete(served.url, headers=rpc_close.headers)
        lines = served.log.read_text().splitlines()
        records = [json.loads(line) for line in lines]  # raises on any line that is not JSON
        assert [record["event"] for record in records] == ["mcp_server.listening"], lines
        assert records[0]["level"] == "warning" and records[0]["url"] == served.url


class TestStdio:
    def test_server_info_version_over_stdio(self, tmp_path: Path) -> None:
        """The SDK's stdio client reads orchestra's version too."""
        params = stdio_params(tmp_path / "orchestra.db", tmp_path / "home")

        async def body(session: ClientSession) -> str:
            return "ok"

        async def run() -> str:
            from mcp.client.stdio import stdio_client

            with open(tmp_path / "stderr.log", "w") as stderr:
                async with (
                    stdio_client(params, errlog=stderr) as (read, write),
                    ClientSession(read, write) as session,
                ):
                    return (await session.initialize()).serverInfo.version

        assert asyncio.run(run()) == orchestra.__version__
        assert with_session(params, tmp_path / "again.log", body) == "ok"

    def test_lone_surrogate_over_stdio_is_an_argument_error(self, tmp_path: Path) -> None:
        """A raw ``\\ud800`` escape over stdio (which the SDK's parser refuses as JSON): an error on that
        request's id naming the surrogate, no "Internal Server Error" notification, stderr empty."""
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call"}
        call["params"] = {"name": "create_memory", "arguments": {"content": "a\ud800b"}}
        line = json.dumps(call)  # ensure_ascii keeps the lone surrogate as the escape \ud800
        after = {"jsonrpc": "2.0", "id": 3, "method": "tools/call"}
        after["params"] = {"name": "get_energy_status", "arguments": {}}
        answers, code, stderr = stdio_exchange(tmp_path, [line, json.dumps(after)])
        assert answers[1]["id"] == 2 and answers[1]["error"]["code"] == -32602
        assert "lone surrogate" in answers[1]["error"]["message"]
        assert answers[2]["id"] == 3 and answers[2]["result"]["isError"] is False
        assert (code, stderr) == (0, b"")

    @pytest.mark.parametrize("how", ["stdout_closed", "stdin_closed"])
    def test_client_disconnecting_prints_no_traceback(self, tmp_path: Path, how: str) -> None:
        """A client that leaves with requests in flight: exit 0, stderr empty (was a ClosedResourceError
        / BrokenPipeError traceback)."""
        messages = [
            {
                "jsonrpc": "2.0",
                "id": n,
                "method": "tools/call",
                "params": {"name": "semantic_recall", "arguments": {"query": "x"}},
            }
            for n in range(2, 40)
        ]
        process = subprocess.Popen(
            [*SERVER, "--transport", "stdio", "--store", str(tmp_path / "orchestra.db")],
            cwd=ROOT,
            env=server_env(tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        try:
            lines = [*initialize_lines(), *map(json.dumps, messages)]
            process.stdin.write(("\n".join(lines) + "\n").encode())
            process.stdin.flush()
            process.stdout.readline()
            if how == "stdout_closed":
                process.stdout.close()
            process.stdin.close()
            code = process.wait(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert (code, process.stderr.read()) == (0, b"")

    def test_unknown_method_over_stdio_is_method_not_found(self, tmp_path: Path) -> None:
        """Over stdio too: -32601, and nothing on stderr."""
        unknown = {"jsonrpc": "2.0", "id": 2, "method": "resources/frobnicate", "params": {"x": 1}}
        answers, code, stderr = stdio_exchange(tmp_path, [json.dumps(unknown)])
        assert answers[1] == {
            "jsonrpc": "2.0",
            "id": 2,
            "error": {"code": -32601, "message": "Method not found: resources/frobnicate"},
        }
        assert (code, stderr) == (0, b"")


def initialize_lines() -> list[str]:
    """The initialize request and initialized notification, as JSON lines."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize"}
    init["params"] = {
        "protocolVersion": PROTOCOL,
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    return [json.dumps(init), json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})]


def stdio_exchange(tmp_path: Path, lines: list[str]) -> tuple[list[dict[str, Any]], int, bytes]:
    """Send initialize plus ``lines`` (requests) to a stdio server, read one answer each, close stdin.

    Returns the answers, the exit code and stderr.
    """
    process = subprocess.Popen(
        [*SERVER, "--transport", "stdio", "--store", str(tmp_path / "orchestra.db")],
        cwd=ROOT,
        env=server_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    try:
        process.stdin.write(("\n".join([*initialize_lines(), *lines]) + "\n").encode())
        process.stdin.flush()
        answers = [json.loads(process.stdout.readline()) for _ in range(1 + len(lines))]
        process.stdin.close()
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return answers, code, process.stderr.read()
