"""Reply selection: FIFO queues, routers and marker-routed queues."""

from __future__ import annotations

import pytest

from benchmarks.server.reply_scripts import (
    QueueScript,
    RoutedScript,
    RouterScript,
    Script,
    ScriptExhausted,
    as_script,
    message_text,
)

USER = [{"role": "user", "content": "hi"}]


def test_queue_is_fifo_and_reports_exhaustion() -> None:
    queue = QueueScript(["a", "b"])
    assert [queue.reply(USER), queue.reply(USER)] == ["a", "b"]
    with pytest.raises(ScriptExhausted, match="exhausted"):
        queue.reply(USER)
    queue.push("c")
    assert queue.remaining == 1
    assert queue.reply(USER) == "c"


def test_routed_script_matches_system_marker_then_first_user() -> None:
    script = RoutedScript({"[planner]": ["plan-1", "plan-2"], "[coder]": ["code-1"]}, default=["other"])
    planner = [{"role": "system", "content": "You are [planner]."}, {"role": "user", "content": "[coder]"}]
    coder_by_task = [{"role": "system", "content": "generic"}, {"role": "user", "content": "task [coder]"}]
    parts = [{"role": "system", "content": [{"type": "text", "text": "You are [planner]"}]}]
    assert script.reply(planner) == "plan-1"  # system prompt wins over the user message
    assert script.reply(coder_by_task) == "code-1"
    assert script.reply(parts) == "plan-2"
    assert script.reply(USER) == "other"
    with pytest.raises(ScriptExhausted, match=r"\[coder\]"):
        script.reply(coder_by_task)
    assert script.queue("[planner]").remaining == 0


def test_routed_script_without_default_rejects_unmatched() -> None:
    with pytest.raises(ScriptExhausted, match="no route"):
        RoutedScript({"x": ["y"]}).reply(USER)


def test_as_script_accepts_lists_callables_and_scripts() -> None:
    assert isinstance(as_script(["a"]), QueueScript)
    router = as_script(lambda messages: f"{len(messages)} messages")
    assert isinstance(router, RouterScript)
    assert router.reply(USER) == "1 messages"
    queue = QueueScript([])
    assert as_script(queue) is queue
    assert isinstance(queue, Script)
    with pytest.raises(TypeError):
        as_script("not a list")


def test_message_text_flattens_parts() -> None:
    content = [
        {"type": "text", "text": "a"},
        {"type": "image_url", "image_url": {}},
        {"type": "text", "text": "b"},
    ]
    assert message_text({"role": "user", "content": content}) == "ab"
    assert message_text({"role": "assistant", "content": None}) == ""
