"""The offline policy model: a rule-based stand-in that keeps the hierarchy running with no LLM.

With no API key or no network, the default profile falls back to this model, so a researcher's
first run still exercises the real agent loop: code is generated, parsed and executed by
smolagents, layers are dispatched through the DAG, tools are really called. Its answers are
computed from what the tools and layers returned, never canned. It is deliberately simple:
step one calls the layers it manages and every tool it can fill the arguments of; step two
reports what came back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from smolagents import Tool

from orchestra.models.scripted import RecordingModel
from orchestra.models.spec import AgentSpec

MAX_TOOL_CALLS = 3
"""Tools called in the first step; the rest would only repeat the same observation."""

FAILED_MARK = "## FAILED "
"""How the first step prints a call that raised, so the report can name it."""

_TEXT_ARGUMENTS = ("query", "task", "content", "text", "question", "topic")


class OfflinePolicyModel(RecordingModel):
    """Generates code (CodeAgent) or JSON tool calls (ToolCallingAgent) from the agent's spec."""

    estimates_tokens = False

    def __init__(self, spec: AgentSpec) -> None:
        super().__init__(model_id="orchestra/offline")
        self.spec = spec

    def reply(self, messages: list[dict[str, Any]], **kwargs: Any) -> str:
        task = _task_of(messages)
        steps_taken = sum(1 for message in messages if message["role"] == "assistant")
        callable_tools = [tool for tool in self.spec.tools if _arguments_for(tool, task) is not None]
        callable_tools = callable_tools[:MAX_TOOL_CALLS]
        if self.spec.tool_calling:
            return self._tool_call_reply(task, steps_taken, callable_tools, messages)
        if steps_taken == 0 and (self.spec.layers or callable_tools):
            return self._first_code_step(task, callable_tools)
        return self._final_code_step(task, messages)

    def _first_code_step(self, task: str, tools: list[Tool]) -> str:
        brief = _brief(task, 400)
        # Each call in its own try: one failing tool or layer must not discard the others' results.
        lines = ["results = {}", "failed = {}"]
        calls = [(layer, f"{layer}(task={brief!r})") for layer in self.spec.layers]
        for tool in tools:
            arguments = ", ".join(
                f"{key}={value!r}" for key, value in (_arguments_for(tool, task) or {}).items()
            )
            calls.append((tool.name, f"{tool.name}({arguments})"))
        for name, call in calls:
            lines += ["try:", f"    results[{name!r}] = {call}", "except Exception as error:"]
            lines.append(f"    failed[{name!r}] = str(error)")
        lines.append("for name, value in results.items():")
        lines.append("    print(f'## {name}\\n{value}')")
        lines.append("for name, reason in failed.items():")
        lines.append(f"    print(f'{FAILED_MARK}{{name}}: {{reason}}')")
        called = ", ".join([*self.spec.layers, *(tool.name for tool in tools)])
        return (
            f"Thought: Offline policy: gather evidence from {called}.\n<code>\n"
            + "\n".join(lines)
            + "\n</code>"
        )

    def _final_code_step(self, task: str, messages: list[dict[str, Any]]) -> str:
        answer = _summary(self.spec.name, task, _last_observation(messages))
        return (
            f"Thought: Offline policy: report what was observed.\n<code>\nfinal_answer({answer!r})\n</code>"
        )

    def _tool_call_reply(
        self, task: str, steps_taken: int, tools: list[Tool], messages: list[dict[str, Any]]
    ) -> str:
        if steps_taken < len(tools):
            tool = tools[steps_taken]
            return json.dumps({"name": tool.name, "arguments": _arguments_for(tool, task) or {}})
        answer = _summary(self.spec.name, task, _last_observation(messages))
        return json.dumps({"name": "final_answer", "arguments": {"answer": answer}})


_COMPACT_WRAPPER = re.compile(
    r"^You are '[^']*'\. Task from your manager:\n(?P<task>.*)"
    r"\nAnswer with final_answer\(report\):[^\n]*$",
    re.S,
)
_CONTEXT_HEADINGS = ("\n\nReports from the layers that feed you", "\n\nPriors from higher layers")


def _task_of(messages: list[dict[str, Any]]) -> str:
    """The task proper: the first user message without a managed-agent wrapper or the layers' context.

    Free-text arguments get this, not "You are 'perceptual'. Task from your manager: ...".
    """
    text = next((message["content"] for message in messages if message["role"] == "user"), "")
    text = text.removeprefix("New task:").strip()
    if "\nTask:\n" in text:
        text = text.split("\nTask:\n", 1)[1].split("\n---\n", 1)[0]
    compact = _COMPACT_WRAPPER.match(text.strip())
    if compact is not None:
        text = compact.group("task")
    for heading in _CONTEXT_HEADINGS:
        text = text.split(heading, 1)[0]
    return text.strip()


def _last_observation(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if (
            message["role"] in ("user", "tool-response", "tool_response")
            and "Observation" in message["content"]
        ):
            return message["content"]
    return ""


def _brief(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _summary(name: str, task: str, observation: str) -> str:
    """What was asked and what came back: tool output when there is some, else the context given."""
    lines = observation.splitlines()
    failures = [line.removeprefix(FAILED_MARK).strip() for line in lines if line.startswith(FAILED_MARK)]
    if observation:
        evidence = observation.replace("Observation:", "").replace("Execution logs:", "")
        evidence = evidence.split("Last output from code snippet:")[0]
        evidence = "\n".join(line for line in evidence.splitlines() if not line.startswith(FAILED_MARK))
    else:
        evidence = task
    failed = f"FAILED calls: {_brief('; '.join(failures), 400)}; " if failures else ""
    return f"[offline policy, {name}] no language model answered; {failed}evidence: {_brief(evidence, 900)}"


def _arguments_for(tool: Tool, task: str) -> dict[str, Any] | None:
    """Arguments the policy can supply: none needed, or one free-text argument filled with the task."""
    if tool.name == "final_answer":
        return None
    required = {
        key: spec for key, spec in tool.inputs.items() if not spec.get("nullable") and "default" not in spec
    }
    if not required:
        return {}
    if len(required) == 1:
        key, spec = next(iter(required.items()))
        if spec.get("type") == "string" and key in _TEXT_ARGUMENTS:
            return {key: _brief(task, 200)}
    return None
