"""Prompt templates for the agents: smolagents' own, or a compact variant for layer agents.

smolagents' CodeAgent system prompt spends about 2,000 tokens on worked examples before the
tool list; a layer agent that takes one or two steps pays for them on every call. The compact
variant keeps everything the agent needs to act (the Thought/code format, its tools with their
signatures, its team, the rules that prevent errors, the instructions) and drops the examples.
Only ``system_prompt`` and the managed-agent wrapper change; planning and final-answer
templates stay smolagents' own.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from copy import deepcopy
from functools import cache
from typing import Any, Literal

import yaml
from smolagents import CodeAgent, Tool
from smolagents.agents import populate_template

PromptStyle = Literal["default", "compact"]

COMPACT_SYSTEM_PROMPT = """You solve tasks by writing Python code, one step at a time.
Each step: a line 'Thought: ...', then code between {{code_block_opening_tag}} and \
{{code_block_closing_tag}}. Use print() for what you need next; it comes back as 'Observation:'. \
Variables and imports persist between steps. End with final_answer(answer).

Your tools are Python functions:
{{code_block_opening_tag}}
{%- for tool in tools.values() %}
{{ tool.to_code_prompt() }}
{% endfor %}
{{code_block_closing_tag}}
{%- if managed_agents and managed_agents.values() | list %}
Team members you can call like functions, with the task as a string:
{{code_block_opening_tag}}
{%- for agent in managed_agents.values() %}
def {{ agent.name }}(task: str) -> str:
    \"\"\"{{ agent.description }}\"\"\"
{% endfor %}
{{code_block_closing_tag}}
{%- endif %}
Rules: call tools with keyword arguments; use only variables you defined; never name a variable \
like a tool; tools with a JSON output schema return dicts you can index directly; import only \
from {{authorized_imports}}.
{%- if custom_instructions %}
{{custom_instructions}}
{%- endif %}"""

COMPACT_MANAGED_TASK = """You are '{{name}}'. Task from your manager:
{{task}}
Answer with final_answer(report): a concise report of what you found, with its evidence."""


@cache
def _smolagents_templates(name: str) -> dict[str, Any]:
    text = importlib.resources.files("smolagents.prompts").joinpath(name).read_text()
    templates: dict[str, Any] = yaml.safe_load(text)
    return templates


def code_agent_templates(style: PromptStyle, *, structured: bool = False) -> dict[str, Any]:
    """Prompt templates for a CodeAgent in ``style`` (a fresh copy the caller may keep).

    With ``structured`` (smolagents' structured code steps) the system prompt is smolagents' own
    for that mode, which asks for the JSON the response format enforces; the compact wrapper of a
    managed agent's task still applies.
    """
    templates = deepcopy(
        _smolagents_templates("structured_code_agent.yaml" if structured else "code_agent.yaml")
    )
    if structured:
        if style == "compact":
            templates["managed_agent"]["task"] = COMPACT_MANAGED_TASK
        return templates
    if style == "compact":
        templates["system_prompt"] = COMPACT_SYSTEM_PROMPT
        templates["managed_agent"]["task"] = COMPACT_MANAGED_TASK
    return templates


_ARGS_SECTION = re.compile(r"\n*^Args:\n(?:(?:[ \t]+.*)?\n?)*", re.MULTILINE)
"""A Google-style ``Args:`` section: the header, then indented or blank lines."""


def without_args_section(description: str) -> str:
    """A tool description with its own ``Args:`` section taken out (the prompt lists arguments)."""
    return _ARGS_SECTION.sub("\n\n", description).rstrip()


class PromptTool:
    """A tool as a system prompt shows it: smolagents' rendering, with argument docs once.

    smolagents appends an ``Args:`` block built from the tool's inputs to its description; a tool
    whose description is a whole docstring (every service tool) already has one, so without this
    the prompt carried each argument's doc twice (11-27 % of a system prompt).
    """

    def __init__(self, tool: Tool) -> None:
        self._tool = tool
        self.description = without_args_section(tool.description) if tool.inputs else tool.description
        self.inputs = {name: {**spec, "type": schema_type(spec)} for name, spec in tool.inputs.items()}
        """Inputs whose ``type`` spells out nested fields (``array[{name: string, ...}]``), not ``array``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tool, name)

    def to_code_prompt(self) -> str:
        """The tool as a Python signature with its docstring."""
        return type(self._tool).to_code_prompt(self)


_MAX_DEPTH = 3


def schema_type(schema: Any, depth: int = 0) -> str:
    """A JSON schema as a compact type the model can read, nested fields included.

    ``{"type": "array", "items": {"type": "object", "properties": {"name": ...}}}`` becomes
    ``array[{name: string, tags?: array[string]}]`` (``?``: optional); enums list their values.
    """
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return " | ".join(dict.fromkeys(schema_type(option, depth) for option in schema[key]))
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(schema_type({**schema, "type": one}, depth) for one in kind)
    if depth >= _MAX_DEPTH:
        return str(kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array[{schema_type(schema['items'], depth + 1)}]"
    properties = schema.get("properties")
    if kind == "object" and isinstance(properties, dict) and properties:
        required = set(schema.get("required") or [])
        fields = ", ".join(
            f"{name}{'' if name in required else '?'}: {schema_type(spec, depth + 1)}"
            for name, spec in properties.items()
        )
        return f"{{{fields}}}"
    return str(kind)


def code_system_prompt(agent: CodeAgent) -> str:
    """A CodeAgent's system prompt, rendered as smolagents does but with :class:`PromptTool` tools."""
    imports = agent.authorized_imports
    return populate_template(
        agent.prompt_templates["system_prompt"],
        variables={
            "tools": {name: PromptTool(tool) for name, tool in agent.tools.items()},
            "managed_agents": agent.managed_agents,
            "authorized_imports": (
                "You can import from any package you want." if "*" in imports else str(imports)
            ),
            "custom_instructions": agent.instructions,
            "code_block_opening_tag": agent.code_block_tags[0],
            "code_block_closing_tag": agent.code_block_tags[1],
        },
    )
