"""The scripted model server through real HTTP: litellm, smolagents and raw httpx clients."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import httpx
import litellm
import pytest

from benchmarks.server.latency_model import LatencyProfile
from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import RoutedScript

HI = [{"role": "user", "content": "hi"}]
TOL_S = 0.08  # scheduling slack on a loaded CI machine; the model's own terms are ≥ 0.2 s


def _complete(server: ModelServer, messages: list[dict[str, Any]] = HI, **kwargs: Any) -> Any:
    return litellm.completion(
        model="openai/anything", api_base=server.base_url, api_key="test", messages=messages, **kwargs
    )


def test_non_streaming_through_litellm_reports_real_token_counts() -> None:
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]
    with ModelServer(["Hello, world! How are you today?"]) as server:
        response = _complete(server, messages)
    record = server.requests[0]
    assert response.choices[0].message.content == "Hello, world! How are you today?"
    assert response.choices[0].finish_reason == "stop"
    prompt = litellm.token_counter(model="gpt-4o", messages=messages)
    completion = litellm.token_counter(model="gpt-4o", text="Hello, world! How are you today?")
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (prompt, completion)
    assert response.usage.total_tokens == prompt + completion
    assert (record.prompt_tokens, record.completion_tokens) == (prompt, completion)
    assert record.messages == messages and record.model == "anything"
    assert record.status == 200 and not record.streamed and record.reply == "Hello, world! How are you today?"


def test_streaming_through_litellm() -> None:
    reply = "Thought: I will stream this reply in several pieces.\nFinal answer: 42"
    with ModelServer([reply]) as server:
        chunks = list(_complete(server, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == reply
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage and usage[-1].completion_tokens == litellm.token_counter(model="gpt-4o", text=reply)
    assert usage[-1].prompt_tokens == litellm.token_counter(model="gpt-4o", messages=HI)
    assert server.requests[0].streamed


def test_raw_sse_format() -> None:
    with ModelServer(["one two three"]) as server:
        body = {"model": "m", "messages": HI, "stream": True, "stream_options": {"include_usage": True}}
        response = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1]) == "one two three"


def test_latency_follows_the_model() -> None:
    profile = LatencyProfile("test", base_s=0.2, prefill_tok_s=200.0, decode_tok_s=100.0)
    reply = " ".join(["word"] * 20)
    messages = [{"role": "user", "content": "lorem ipsum " * 20}]
    with ModelServer([reply, reply], profile=profile) as server:
        t0 = time.monotonic()
        _complete(server, messages)
        client_s = time.monotonic() - t0
        list(_complete(server, messages, stream=True))
    plain, streamed = server.requests
    expected = profile.total_s(plain.prompt_tokens, plain.completion_tokens)
    assert plain.prompt_tokens > 30 and plain.completion_tokens == 20  # each term is substantial
    assert expected == pytest.approx(0.2 + plain.prompt_tokens / 200 + 0.2)
    assert expected <= plain.duration_s <= expected + TOL_S
    assert client_s >= expected
    assert expected <= streamed.duration_s <= expected + TOL_S
    assert streamed.first_token is not None
    ttft = streamed.first_token - streamed.start
    assert profile.ttft_s(streamed.prompt_tokens) <= ttft <= profile.ttft_s(streamed.prompt_tokens) + TOL_S


def test_jitter_stays_within_bounds() -> None:
    profile = LatencyProfile("jit", base_s=0.1, prefill_tok_s=1e9, decode_tok_s=1e9, jitter_frac=0.5)
    with ModelServer(["x"] * 6, profile=profile, seed=3) as server:
        for _ in range(6):
            httpx.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": HI})
    durations = [r.duration_s for r in server.requests]
    assert all(0.05 <= d <= 0.15 + TOL_S for d in durations)
    assert max(durations) - min(durations) > 0.02  # jitter actually varies


def test_concurrent_requests_overlap() -> None:
    profile = LatencyProfile("slow", base_s=0.5, prefill_tok_s=1e9, decode_tok_s=1e9)
    with ModelServer(["a", "b"], profile=profile) as server:
        threads = [threading.Thread(target=_complete, args=(server,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    first, second = server.requests
    # Served at once: each request's service interval overlaps the other's (the server's own clock,
    # not a wall-time bound, which a loaded CI machine can exceed).
    assert first.start < second.end and second.start < first.end
    assert sorted(r.reply for r in server.requests) == ["a", "b"]


def test_stop_sequences_cut_the_reply() -> None:
    with ModelServer(["Code:\nprint(1)\n<end_code>\nObservation: leaked", "a|b"]) as server:
        response = _complete(server, stop=["<end_code>", "Observation:"])
        raw = httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI, "stop": "|"}).json()
    assert response.choices[0].message.content == "Code:\nprint(1)\n"
    assert response.usage.completion_tokens == litellm.token_counter(model="gpt-4o", text="Code:\nprint(1)\n")
    assert raw["choices"][0]["message"]["content"] == "a"


def test_injected_429_surfaces_as_rate_limit_error() -> None:
    with ModelServer(["after"]) as server:
        server.fail_next(1, status=429, retry_after_s=2)
        with pytest.raises(litellm.RateLimitError):
            _complete(server, max_retries=0)
        assert _complete(server).choices[0].message.content == "after"  # the failure used no reply
        server.fail_next(1, status=429, retry_after_s=1.5)
        raw = httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI})
    assert raw.status_code == 429 and raw.headers["retry-after"] == "1.5"
    assert raw.json()["error"]["type"] == "rate_limit_error"
    assert [r.status for r in server.requests] == [429, 200, 429]


def test_injected_500_with_custom_body() -> None:
    with ModelServer([]) as server:
        server.fail_next(2, status=500, body={"error": {"message": "boom", "type": "server_error"}})
        with pytest.raises(litellm.InternalServerError, match="boom"):
            _complete(server, max_retries=0)
        raw = httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI})
    assert raw.status_code == 500 and raw.json()["error"]["message"] == "boom"


def test_delay_next_adds_time_to_the_next_requests_only() -> None:
    with ModelServer(["a", "b", "c"]) as server:
        server.delay_next(2, 0.3)
        for _ in range(3):
            httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI})
    durations = [r.duration_s for r in server.requests]
    assert all(0.3 <= d <= 0.3 + TOL_S for d in durations[:2])
    assert durations[2] < 0.1


def test_queue_exhaustion_is_a_clear_500() -> None:
    with ModelServer(["only"]) as server:
        httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI})
        raw = httpx.post(f"{server.url}/chat/completions", json={"messages": HI})  # path without /v1
        with pytest.raises(litellm.InternalServerError, match="exhausted"):
            _complete(server, max_retries=0)
    assert raw.status_code == 500
    assert "exhausted" in raw.json()["error"]["message"]
    assert server.requests[-1].status == 500


def test_routed_script_answers_by_system_prompt_marker() -> None:
    script = RoutedScript({"[manager]": ["delegate", "done"], "[worker]": ["work result"]})
    with ModelServer(script) as server:

        def ask(role: str) -> str:
            messages = [{"role": "system", "content": f"You are the {role}."}, *HI]
            return str(_complete(server, messages).choices[0].message.content)

        assert ask("[manager]") == "delegate"
        assert ask("[worker]") == "work result"
        assert ask("[manager]") == "done"


def test_models_endpoint_and_unknown_paths() -> None:
    with ModelServer([], model_name="scripted") as server:
        models = httpx.get(f"{server.base_url}/models").json()
        missing = httpx.post(f"{server.base_url}/embeddings", json={"input": "x"})
        bad = httpx.post(f"{server.base_url}/chat/completions", content=b"not json")
    assert [m["id"] for m in models["data"]] == ["scripted"]
    assert missing.status_code == 404 and bad.status_code == 400


def test_stop_mid_request_is_prompt_and_refuses_new_connections() -> None:
    profile = LatencyProfile("slow", base_s=5.0, prefill_tok_s=1e9, decode_tok_s=1e9)
    server = ModelServer(["never"], profile=profile).start()
    port = server.port
    with httpx.Client() as client:
        assert client.get(f"{server.base_url}/models").status_code == 200  # a pooled keep-alive connection
        errors: list[Exception] = []

        def call() -> None:
            try:
                httpx.post(f"{server.base_url}/chat/completions", json={"messages": HI}, timeout=10)
            except httpx.HTTPError as exc:
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        server.stop()
        stop_s = time.monotonic() - t0
        caller.join(timeout=2)
        assert stop_s < 0.5 and not caller.is_alive()
        assert len(errors) == 1  # the in-flight request was abandoned, not answered
        with pytest.raises(httpx.TransportError):
            client.get(f"{server.base_url}/models")  # the pooled connection is gone too
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models")
    assert server.requests[-1].status == 0 and not server.running
    with socket.socket() as sock:  # the port is free again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    server.stop()  # idempotent


def test_reset_log() -> None:
    with ModelServer(["a", "b"]) as server:
        _complete(server)
        server.reset_log()
        _complete(server)
    assert [r.reply for r in server.requests] == ["b"]


def test_many_concurrent_clients_are_served_in_parallel() -> None:
    profile = LatencyProfile("slow", base_s=0.3, prefill_tok_s=1e9, decode_tok_s=1e9)
    n = 32
    with ModelServer([f"r{i}" for i in range(n)], profile=profile) as server, httpx.Client() as client:
        url = f"{server.base_url}/chat/completions"
        threads = [
            threading.Thread(
                target=client.post, args=(url,), kwargs={"json": {"messages": HI, "stream": i % 2 == 0}}
            )
            for i in range(n)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    records = server.requests
    assert len(records) == n and all(r.status == 200 for r in records)
    span = max(r.end for r in records) - min(r.start for r in records)
    peak = max(sum(r.start <= probe.start < r.end for r in records) for probe in records)
    assert span < 2.0, f"{n} concurrent 0.3 s requests spanned {span:.2f} s on the server"
    assert peak >= n // 2, f"at most {peak} requests were in flight together"


def test_stop_mid_stream_cuts_the_stream() -> None:
    profile = LatencyProfile("slow-decode", base_s=0.0, prefill_tok_s=1e9, decode_tok_s=10.0)
    server = ModelServer([" ".join(["tok"] * 50)], profile=profile).start()
    received: list[str] = []

    def consume() -> None:
        body = {"messages": HI, "stream": True}
        try:
            with httpx.stream(
                "POST", f"{server.base_url}/chat/completions", json=body, timeout=10
            ) as response:
                for line in response.iter_lines():
                    received.append(line)
        except httpx.HTTPError:
            received.append("<cut>")

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.35)
    server.stop()
    consumer.join(timeout=2)
    assert not consumer.is_alive()
    assert received[-1] == "<cut>" and "data: [DONE]" not in received
    assert any(line.startswith("data: {") for line in received)  # some tokens arrived before the stop
