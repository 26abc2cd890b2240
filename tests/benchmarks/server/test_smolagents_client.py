"""smolagents' LiteLLMModel against the scripted server: the path orchestra agents actually use."""

from __future__ import annotations

import litellm
from smolagents import ChatMessage, LiteLLMModel, MessageRole

from benchmarks.server.model_server import ModelServer

HI = [ChatMessage(role=MessageRole.USER, content=[{"type": "text", "text": "hi"}])]


def test_generate_returns_content_and_token_usage() -> None:
    with ModelServer(["Hello from the scripted model."]) as server:
        model = LiteLLMModel(model_id="openai/test", api_base=server.base_url, api_key="x")
        message = model.generate(HI)
    record = server.requests[0]
    assert message.content == "Hello from the scripted model."
    assert message.token_usage is not None
    assert message.token_usage.input_tokens == record.prompt_tokens > 0
    assert message.token_usage.output_tokens == litellm.token_counter(model="gpt-4o", text=message.content)
    assert record.messages == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


def test_generate_honours_stop_sequences() -> None:
    with ModelServer(["Code:\nx = 1\n<end_code>\nObservation: made up"]) as server:
        model = LiteLLMModel(model_id="openai/test", api_base=server.base_url, api_key="x")
        message = model.generate(HI, stop_sequences=["<end_code>", "Observation:"])
    assert message.content == "Code:\nx = 1\n"


def test_generate_stream_yields_deltas_and_usage() -> None:
    with ModelServer(["one two three four"]) as server:
        model = LiteLLMModel(model_id="openai/test", api_base=server.base_url, api_key="x")
        deltas = list(model.generate_stream(HI))
    assert "".join(d.content or "" for d in deltas) == "one two three four"
    usage = [d.token_usage for d in deltas if d.token_usage is not None]
    assert usage and usage[-1].output_tokens == 4
