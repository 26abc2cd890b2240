"""Builders shared by the engine tests: scripted replies per agent, tiny configs, code replies."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable
from typing import Any

from smolagents import Model

from orchestra.config import Config, config_from_text
from orchestra.models import AgentSpec
from orchestra.models.scripted import Reply, ScriptedModel


def code(body: str, thought: str = "I act.") -> str:
    """A CodeAgent reply: a thought and one code block."""
    return f"Thought: {thought}\n<code>\n{body}\n</code>"


def final(answer: str) -> str:
    """A CodeAgent reply that ends the run with ``answer``."""
    return code(f"final_answer({answer!r})", thought="I can answer.")


class ScriptedFactory:
    """A model factory giving each agent (by name) its own ScriptedModel."""

    def __init__(self, replies: dict[str, Iterable[Reply]]) -> None:
        self.models: dict[str, ScriptedModel] = {
            name: ScriptedModel(list(agent_replies), name=name) for name, agent_replies in replies.items()
        }
        self.specs: dict[str, AgentSpec] = {}

    def __call__(self, spec: AgentSpec) -> Model:
        self.specs[spec.name] = spec
        if spec.name not in self.models:
            self.models[spec.name] = ScriptedModel([], name=spec.name)
        return self.models[spec.name]


def layer_answers(
    names: Iterable[str], text: Callable[[str], str] = lambda name: f"{name} report"
) -> dict[str, list[Reply]]:
    """One final-answer reply per layer (layers take one step each)."""
    return {name: [final(text(name))] for name in names}


TOOLS_MODULE = "tests.fixture_tools"


def config_text(body: str) -> str:
    """A config with test tools and a default offline-free profile, plus ``body`` appended."""
    return (
        "models:\n  default: {model: openai/test, api_key: test}\n"
        f"tools:\n  sources:\n    - python: {TOOLS_MODULE}\n" + body
    )


def load(body: str, **kwargs: Any) -> Config:
    """Parse a test config (see :func:`config_text`)."""
    return config_from_text(config_text(body), file="test.yaml", **kwargs)


def race_threads_and_a_process(
    target: Callable[..., None], arguments: Callable[[str], tuple[Any, ...]], *, threads: int
) -> int:
    """Run ``target(*arguments(worker))`` in one spawned process and ``threads`` threads at once.

    Workers are named ``proc`` and ``thread0``, ``thread1``...; returns the process's exit code
    once every worker is done.
    """
    process = multiprocessing.get_context("spawn").Process(target=target, args=arguments("proc"))
    process.start()
    workers = [threading.Thread(target=target, args=arguments(f"thread{n}")) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    process.join(60)
    return process.exitcode if process.exitcode is not None else -1
