"""What goes back into an agent's prompt: bounded error quotes, a window of steps, args documented once."""

from __future__ import annotations

import re
from typing import Any

from smolagents import Tool

from orchestra.agents.context import excerpt, windowed
from orchestra.agents.hierarchy import build_hierarchy
from orchestra.agents.prompts import PromptTool, without_args_section
from tests.helpers import ScriptedFactory, code, final, layer_answers, load

ONE_LAYER = "layers:\n  abstract: {tools: []}\n"
CHATTY = "I will think about this at length. " * 150  # ~5,000 characters and no code block


def prompt_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(message["content"]) for message in messages)


class TestExcerpt:
    """An excerpt keeps the start and the end and says how much it cut."""

    def test_short_text_is_kept_whole(self) -> None:
        """Text within the limit comes back unchanged."""
        assert excerpt("short", 100) == "short"

    def test_long_text_is_cut_and_says_so(self) -> None:
        """A long text keeps its head and tail and names the number of characters cut."""
        text = "a" * 1000 + "MIDDLE" + "z" * 1000
        cut = excerpt(text, 200)
        assert cut.startswith("a" * 140) and cut.endswith("z" * 60)
        assert "MIDDLE" not in cut
        assert "[... 1806 characters cut ...]" in cut


class TestBoundedErrors:
    """A failed step's error quotes at most an excerpt of the failed text."""

    def test_parse_error_does_not_quote_the_whole_reply(self) -> None:
        """After a long reply without code, the next prompt holds the reply once, plus a short excerpt."""
        factory = ScriptedFactory({"consciousness": [CHATTY, final("done")]})
        config = load(ONE_LAYER + "agents: {error_excerpt_chars: 300}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Think.")
        assert result.ok and result.answer == "done"
        second_prompt = prompt_text(factory.models["consciousness"].calls[1])
        assert second_prompt.count(CHATTY.strip()) == 1, "the reply itself, once"
        error_part = second_prompt.split(CHATTY.strip(), 1)[1]
        assert "characters cut" in error_part
        assert len(error_part) < 3000, "the quoted reply is an excerpt, not the whole reply again"

    def test_without_a_bound_the_reply_is_quoted_twice(self) -> None:
        """The check above means something: smolagents alone quotes the whole reply back."""
        factory = ScriptedFactory({"consciousness": [CHATTY, final("done")]})
        config = load(ONE_LAYER + "agents: {error_excerpt_chars: 100000}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            hierarchy.run("Think.")
        second_prompt = prompt_text(factory.models["consciousness"].calls[1])
        assert second_prompt.count(CHATTY.strip()) == 2


class TestMemoryWindow:
    """``max_memory_steps`` bounds what a prompt replays; the memory keeps every step."""

    def test_prompt_replays_the_last_steps_and_the_task(self) -> None:
        """With a window of 2, the sixth call sees the task, a note of 3 steps left out, and steps 4-5."""
        steps = [code(f"print('marker-{n}')") for n in range(1, 6)]
        factory = ScriptedFactory({"consciousness": [*steps, final("done")]})
        config = load(ONE_LAYER + "root: {max_steps: 8}\nagents: {max_memory_steps: 2}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Count the markers.")
            kept_in_memory = len(hierarchy.root.memory.steps)
        assert result.ok
        last = prompt_text(factory.models["consciousness"].calls[-1])
        assert "Count the markers." in last
        assert "3 earlier steps left out" in last
        assert "marker-4" in last and "marker-5" in last
        assert "marker-1" not in last and "marker-3" not in last
        assert kept_in_memory >= 7, "task + 6 action steps stay in memory for the trace"

    def test_a_layer_window_overrides_the_shared_one(self) -> None:
        """A layer's own ``max_memory_steps`` wins over ``agents.max_memory_steps``."""
        config = load(
            "layers:\n  abstract: {tools: [], max_memory_steps: 1}\nagents: {max_memory_steps: 4}\n"
        )
        with build_hierarchy(config, model_factory=ScriptedFactory(layer_answers(["abstract"]))) as hierarchy:
            assert hierarchy.layers["abstract"].memory_window == 1
            assert hierarchy.root.memory_window == 4

    def test_windowed_keeps_everything_within_the_window(self) -> None:
        """No window, or fewer steps than the window: nothing is left out."""
        assert windowed([], None) == ([], 0)
        assert windowed([], 3) == ([], 0)


class _DocumentedTool(Tool):
    name = "create_note"
    description = "Create a note.\n\nArgs:\n    content: the note's text.\n    importance: 0 to 1.\n\nReturns:\n    The note."
    inputs = {
        "content": {"type": "string", "description": "the note's text."},
        "importance": {"type": "number", "description": "0 to 1.", "nullable": True},
    }
    output_type = "string"

    def forward(self, content: str, importance: float | None = None) -> str:
        return content


class TestArgumentDocsOnce:
    """A tool whose description already documents its arguments is not documented twice."""

    def test_args_section_is_removed_from_the_description(self) -> None:
        """The description's own Args section goes; what follows it stays."""
        assert (
            without_args_section(_DocumentedTool.description) == "Create a note.\n\nReturns:\n    The note."
        )

    def test_code_prompt_has_one_args_block(self) -> None:
        """smolagents would render two Args blocks; the prompt view renders one."""
        tool = _DocumentedTool()
        assert tool.to_code_prompt().count("Args:") == 2
        rendered = PromptTool(tool).to_code_prompt()
        assert rendered.count("Args:") == 1
        assert "def create_note(content: string, importance: number) -> string:" in rendered
        assert "content: the note's text." in rendered and "Returns:" in rendered

    def test_service_tools_in_a_system_prompt(self, tmp_path: Any) -> None:
        """The root's system prompt over the in-process service tools has one Args block per tool."""
        config = load(
            ONE_LAYER + "root: {tools: [create_memory, semantic_recall, list_goals]}\n",
            overrides=[
                "tools.sources=[{python: tests.fixture_tools}, {services: in_process}]",
                f"services.store_path={tmp_path / 'o.db'}",
            ],
        )
        factory = ScriptedFactory({"consciousness": [final("ok")]})
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            hierarchy.run("Look.")
            system = hierarchy.root.memory.system_prompt.system_prompt
        for name in ("create_memory", "semantic_recall", "list_goals"):
            block = re.search(rf'def {name}\(.*?\n    """\n', system, re.DOTALL)
            assert block is not None, name
            assert block.group(0).count("Args:") == 1, name
