"""Tests for orchestra.agents.trace and tool_calls: step-by-step traces of real smolagents runs on scripted models."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from smolagents import CodeAgent, LogLevel, MultiStepAgent, Tool, ToolCallingAgent, tool

from orchestra.agents.tool_calls import TEXT_LIMIT, ToolCallLog, ToolCallRecord, TracedTool, jsonable, traced
from orchestra.agents.trace import AgentExecution, agent_execution
from orchestra.models.scripted import ScriptedModel


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first addend.
        b: second addend.

    Returns:
        int: the sum.
    """
    return a + b


@tool
def explode(reason: str) -> str:
    """Always fail.

    Args:
        reason: what to say when failing.

    Returns:
        str: never returns.
    """
    raise ValueError(reason)


@tool
def shout(text: str) -> str:
    """Repeat a text many times.

    Args:
        text: the text to repeat.

    Returns:
        str: the text, ten thousand times.
    """
    return text * 10_000


def code(body: str, thought: str = "I act.") -> str:
    """A CodeAgent reply with one code block."""
    return f"Thought: {thought}\n<code>\n{body}\n</code>"


def traced_agent(
    cls: type[MultiStepAgent], tools: list[Tool], replies: list[str], *, name: str, log: ToolCallLog
) -> MultiStepAgent:
    """A real agent on a scripted model whose tools log to ``log`` under ``name``."""
    holder: dict[str, MultiStepAgent] = {}
    agent = cls(
        tools=traced(tools, agent_name=name, log=log, step_of=lambda: holder["agent"].step_number),
        model=ScriptedModel(replies, name=name),
        verbosity_level=LogLevel.OFF,
        max_steps=5,
    )
    holder["agent"] = agent
    return agent


def run_and_trace(agent: MultiStepAgent, *, name: str, log: ToolCallLog) -> tuple[Any, AgentExecution]:
    """Run ``agent`` and trace it, the way the engine does."""
    result = agent.run("Add one and two.")
    return result, agent_execution(agent, name=name, log=log)


class TestCodeAgentTrace:
    """A CodeAgent's trace joins memory (code, observation, tokens) with the tool calls in its code."""

    def test_two_steps_with_the_tool_call_in_the_first(self) -> None:
        """Step 1 ran add(a=1, b=2) and printed 3; step 2 gave the final answer."""
        log = ToolCallLog()
        replies = [code("x = add(a=1, b=2)\nprint(x)"), code("final_answer(str(x))", thought="done")]
        agent = traced_agent(CodeAgent, [add], replies, name="a", log=log)
        result, execution = run_and_trace(agent, name="a", log=log)

        assert result == "3"
        assert execution.agent == "a"
        assert execution.kind == "code"
        assert execution.ok and execution.error is None
        assert [step.type for step in execution.steps] == ["task", "action", "final_answer"]
        first, second = execution.steps[1:]
        assert first.step == 1 and second.step == 2
        assert first.code is not None and "add(" in first.code
        assert first.model_output is not None and "Thought" in first.model_output
        assert first.tool_calls == [
            {
                "tool": "add",
                "arguments": {"a": 1, "b": 2},
                "output": 3,
                "error": None,
                "seconds": pytest.approx(0, abs=1),
            }
        ]
        assert first.observation is not None and "3" in first.observation
        assert first.error is None
        assert first.input_tokens > 0 and first.output_tokens > 0
        assert first.seconds >= 0
        assert second.code is not None and "final_answer" in second.code
        assert second.tool_calls == []
        assert execution.input_tokens == first.input_tokens + second.input_tokens
        assert execution.output_tokens == first.output_tokens + second.output_tokens
        assert execution.seconds == pytest.approx(first.seconds + second.seconds)

    def test_record_carries_agent_step_and_timing(self) -> None:
        """The log's record names the agent and the step number read at call time."""
        log = ToolCallLog()
        replies = [code("x = 1"), code("y = add(a=x, b=41)\nprint(y)"), code("final_answer(y)")]
        agent = traced_agent(CodeAgent, [add], replies, name="counter", log=log)
        run_and_trace(agent, name="counter", log=log)

        (record,) = log.records("counter")
        assert isinstance(record, ToolCallRecord)
        assert (record.agent, record.step, record.tool) == ("counter", 2, "add")
        assert record.arguments == {"a": 1, "b": 41}
        assert record.output == 42
        assert record.seconds >= 0 and record.started_at > 0
        assert log.records("someone else") == []

    def test_failing_tool_is_recorded_and_the_agent_continues(self) -> None:
        """The raised error is in the record and the step; the next step still runs."""
        log = ToolCallLog()
        replies = [code("explode(reason='boom')"), code("final_answer('recovered')")]
        agent = traced_agent(CodeAgent, [explode], replies, name="a", log=log)
        result, execution = run_and_trace(agent, name="a", log=log)

        assert result == "recovered"
        failed, final = execution.steps[1:]
        assert failed.type == "action" and final.type == "final_answer"
        (call,) = failed.tool_calls
        assert call["tool"] == "explode"
        assert call["arguments"] == {"reason": "boom"}
        assert call["output"] is None
        assert call["error"] == "ValueError: boom"
        assert failed.error is not None and "boom" in failed.error
        assert final.error is None

    def test_trace_after_the_run_raises(self) -> None:
        """A model that runs dry raises from run(); the steps taken so far are still traced."""
        log = ToolCallLog()
        agent = traced_agent(CodeAgent, [add], [code("print(add(a=2, b=2))")], name="a", log=log)
        with pytest.raises(Exception, match="ran out of replies"):
            agent.run("Add.")
        execution = agent_execution(agent, name="a", log=log, ok=False, error="ran out")

        assert not execution.ok and execution.error == "ran out"
        actions = [step for step in execution.steps if step.type != "task"]
        assert actions[0].tool_calls[0]["output"] == 4
        # smolagents re-raises generation errors without setting the step's error: the step is
        # there, empty, and the reason is the caller's ``error``.
        assert actions[1].step == 2 and actions[1].model_output is None
        json.dumps(execution.to_dict())

    def test_long_output_is_truncated_in_the_trace_only(self) -> None:
        """The agent gets the full output; the record keeps about TEXT_LIMIT characters."""
        log = ToolCallLog()
        replies = [code("s = shout(text='ab')\nprint(len(s))"), code("final_answer(str(len(s)))")]
        agent = traced_agent(CodeAgent, [shout], replies, name="a", log=log)
        result, _ = run_and_trace(agent, name="a", log=log)

        assert result == "20000"
        (record,) = log.records("a")
        assert isinstance(record.output, str)
        assert record.output.startswith("abab")
        assert TEXT_LIMIT < len(record.output) < TEXT_LIMIT + 40

    def test_to_dict_is_json(self) -> None:
        """The whole execution serialises to JSON."""
        log = ToolCallLog()
        replies = [code("x = add(a=1, b=2)\nprint(x)"), code("final_answer(x)")]
        agent = traced_agent(CodeAgent, [add], replies, name="a", log=log)
        _, execution = run_and_trace(agent, name="a", log=log)

        data = json.loads(json.dumps(execution.to_dict()))
        assert data["agent"] == "a"
        assert data["steps"][1]["tool_calls"][0]["output"] == 3
        assert data["steps"][1]["type"] == "action"


class TestToolCallingAgentTrace:
    """A ToolCallingAgent's tool calls come from its steps, joined with the log when traced."""

    REPLIES = [
        json.dumps({"name": "add", "arguments": {"a": 1, "b": 2}}),
        json.dumps({"name": "final_answer", "arguments": {"answer": "3"}}),
    ]

    def test_tool_calls_come_from_the_steps(self) -> None:
        """Traced add is joined with its record; the built-in final_answer comes from memory alone."""
        log = ToolCallLog()
        agent = traced_agent(ToolCallingAgent, [add], list(self.REPLIES), name="t", log=log)
        result, execution = run_and_trace(agent, name="t", log=log)

        assert result == "3"
        assert execution.kind == "tool_calling"
        first, second = execution.steps[1:]
        assert (first.type, second.type) == ("action", "final_answer")
        assert first.code is None
        (call,) = first.tool_calls
        assert call["tool"] == "add"
        assert call["arguments"] == {"a": 1, "b": 2}
        assert call["output"] == 3
        assert call["seconds"] is not None
        assert first.observation == "3"
        (answer,) = second.tool_calls
        assert answer["tool"] == "final_answer"
        assert answer["arguments"] == {"answer": "3"}
        assert answer["output"] == "3"
        assert answer["seconds"] is None
        assert first.input_tokens > 0

    def test_untraced_tools_still_appear(self) -> None:
        """Without wrapping, the step's own tool calls are the trace."""
        log = ToolCallLog()
        agent = ToolCallingAgent(
            tools=[add], model=ScriptedModel(list(self.REPLIES)), verbosity_level=LogLevel.OFF
        )
        agent.run("Add one and two.")
        execution = agent_execution(agent, name="t", log=log)

        first = execution.steps[1]
        assert first.tool_calls == [
            {"tool": "add", "arguments": {"a": 1, "b": 2}, "output": "3", "error": None, "seconds": None}
        ]


class TestPlanningTrace:
    """Planning steps appear with their plan, numbered after the action they precede."""

    def test_planning_step(self) -> None:
        """A planning interval puts a plan before the first action."""
        log = ToolCallLog()
        holder: dict[str, MultiStepAgent] = {}
        agent = CodeAgent(
            tools=traced([add], agent_name="p", log=log, step_of=lambda: holder["agent"].step_number),
            model=ScriptedModel(["1. add\n2. answer", code("final_answer(add(a=1, b=1))")]),
            verbosity_level=LogLevel.OFF,
            planning_interval=5,
        )
        holder["agent"] = agent
        agent.run("Add.")
        execution = agent_execution(agent, name="p", log=log)

        assert [(step.type, step.step) for step in execution.steps] == [
            ("task", 0),
            ("planning", 1),
            ("final_answer", 1),
        ]
        planning = execution.steps[1]
        assert planning.model_output is not None and "1. add" in planning.model_output
        assert planning.input_tokens > 0
        assert execution.steps[2].tool_calls[0]["output"] == 2


class TestTracedTool:
    """The wrapper is transparent: same description, same output, same exception."""

    def test_same_surface(self) -> None:
        """Name, description, inputs and output type are the wrapped tool's."""
        wrapped = TracedTool(add, agent_name="a", log=ToolCallLog(), step_of=lambda: None)
        assert (wrapped.name, wrapped.description, wrapped.inputs, wrapped.output_type) == (
            add.name,
            add.description,
            add.inputs,
            add.output_type,
        )
        assert wrapped.to_code_prompt() == add.to_code_prompt()

    def test_positional_arguments_are_named(self) -> None:
        """Positional arguments are recorded under the tool's input names."""
        log = ToolCallLog()
        wrapped = TracedTool(add, agent_name="a", log=log, step_of=lambda: 7)
        assert wrapped(5, b=6) == 11
        (record,) = log.records()
        assert record.arguments == {"a": 5, "b": 6}
        assert record.step == 7

    def test_error_reraised_unchanged(self) -> None:
        """The very exception the tool raised reaches the caller."""
        log = ToolCallLog()
        wrapped = TracedTool(explode, agent_name="a", log=log, step_of=lambda: 1)
        with pytest.raises(ValueError, match="^bang$"):
            wrapped(reason="bang")
        assert log.records()[0].error == "ValueError: bang"

    def test_unreadable_step_is_none(self) -> None:
        """A failing step_of never breaks the tool."""
        log = ToolCallLog()

        def broken() -> int:
            raise KeyError("agent")

        wrapped = TracedTool(add, agent_name="a", log=log, step_of=broken)
        assert wrapped(a=1, b=1) == 2
        assert log.records()[0].step is None

    def test_calls_outside_steps_are_kept(self) -> None:
        """A record matching no memory step lands in unattributed_tool_calls."""
        log = ToolCallLog()
        agent = CodeAgent(tools=[], model=ScriptedModel([]), verbosity_level=LogLevel.OFF)
        TracedTool(add, agent_name="a", log=log, step_of=lambda: 3)(a=1, b=2)
        execution = agent_execution(agent, name="a", log=log)
        assert execution.steps == []
        assert execution.unattributed_tool_calls[0]["output"] == 3
        assert execution.unattributed_tool_calls[0]["step"] == 3


class TestToolCallLog:
    """The log is append-only, filterable and safe across threads."""

    def test_parallel_agents_lose_nothing(self) -> None:
        """Eight agents in threads, each calling add five times, leave forty records."""
        log = ToolCallLog()
        calls = "\n".join(f"add(a={i}, b={i})" for i in range(5))
        agents = {
            f"agent{n}": traced_agent(
                CodeAgent, [add], [code(calls), code("final_answer('ok')")], name=f"agent{n}", log=log
            )
            for n in range(8)
        }
        barrier = threading.Barrier(len(agents))

        def run(agent: MultiStepAgent) -> None:
            barrier.wait()
            agent.run("Add many.")

        threads = [threading.Thread(target=run, args=(agent,)) for agent in agents.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert len(log.records()) == 40
        for name, agent in agents.items():
            execution = agent_execution(agent, name=name, log=log)
            outputs = [call["output"] for call in execution.steps[1].tool_calls]
            assert outputs == [0, 2, 4, 6, 8]

    def test_many_threads_append(self) -> None:
        """Direct appends from many threads are all kept."""
        log = ToolCallLog()

        def append(n: int) -> None:
            for i in range(500):
                log.append(ToolCallRecord(agent=f"a{n}", step=i, tool="t", arguments={}))

        threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(log.records()) == 4000
        assert len(log.records("a3")) == 500
        log.clear()
        assert log.records() == []


class TestJsonable:
    """Tool inputs and outputs become JSON-able, short data."""

    def test_values(self) -> None:
        """Scalars stay, containers convert, strange objects become reprs, long text is cut."""
        assert jsonable(3) == 3
        assert jsonable(None) is None
        assert jsonable((1, "a")) == [1, "a"]
        assert jsonable({1: {2}}) == {"1": [2]}
        assert jsonable(float("nan")) == "nan"
        assert jsonable(object()).startswith("<object object")
        long = jsonable(list(range(5000)))
        assert isinstance(long, str) and long.startswith("[0, 1, 2")
        assert len(jsonable("x" * 10_000)) < TEXT_LIMIT + 40
