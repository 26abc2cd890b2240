"""The heartbeat: SC-001 with scripted models, energy rules, invalid decisions, fallbacks, recovery."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import RoutedScript
from orchestra.config import Config, config_from_text
from orchestra.heartbeat import Heartbeat
from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices
from tests.helpers import ScriptedFactory, code, final

ROOT = Path(__file__).resolve().parents[2]
LAYERS = "layers:\n  perceptual: {tools: [semantic_recall]}\n  abstract: {tools: []}\ngraph:\n  feeds: [perceptual -> abstract]\n"


def decision(**overrides: Any) -> dict[str, Any]:
    base = {
        "reasoning": "Recall what matters, then remember the beat.",
        "emotional_state": 0.2,
        "confidence": 0.7,
        "focus_goal_id": None,
        "actions": [
            {"action": "recall", "params": {"query": "heron"}, "reason": "context"},
            {"action": "remember", "params": {"content": "the heron returned"}, "reason": "note it"},
        ],
        "goal_changes": [],
    }
    return {**base, **overrides}


def final_decision(value: dict[str, Any]) -> str:
    return code(f"final_answer({value!r})", thought="Decide.")


def make_config(
    tmp_path: Path,
    extra: str = "",
    model: str = "{model: openai/test, api_key: test}",
    overrides: list[str] | None = None,
) -> Config:
    text = (
        f"models:\n  default: {model}\n"
        f"services: {{store_path: '{tmp_path / 'o.db'}'}}\n"
        "tools:\n  sources:\n    - services: in_process\n"
        "root:\n  max_steps: 4\n  tools: [create_memory, semantic_recall]\n" + LAYERS + extra
    )
    return config_from_text(text, file="beat.yaml", overrides=overrides)


def open_services(tmp_path: Path) -> CognitiveServices:
    return CognitiveServices.open(ServicesSettings(store_path=str(tmp_path / "o.db")))


def memory_count(tmp_path: Path) -> int:
    services = open_services(tmp_path)
    try:
        return int(services.store.query_one("SELECT count(*) FROM memories WHERE mind = :mind")[0])
    finally:
        services.close()


def sc001_factory() -> ScriptedFactory:
    return ScriptedFactory(
        {
            "consciousness": [
                code(
                    "saved = create_memory(content='heron seen at the estuary', importance=0.8)\n"
                    "found = semantic_recall(query='heron estuary', threshold=0.1)\n"
                    "report = abstract(task='What does the heron mean?')\n"
                    "print(found, report)"
                ),
                final_decision(decision()),
            ],
            "perceptual": [
                code("print(semantic_recall(query='heron', threshold=0.1))"),
                final("a heron pattern"),
            ],
            "abstract": [final("herons return in spring")],
        }
    )


class TestDecisionCycle:
    """SC-001: a beat's DECIDE uses tools and layers, and its actions change the store."""

    def test_beat_uses_two_tools_a_layer_and_changes_the_store(self, tmp_path: Path) -> None:
        with Heartbeat(make_config(tmp_path), model_factory=sc001_factory()) as heartbeat:
            result = heartbeat.beat()
        assert result.status == "completed" and result.fallback is False
        assert {"create_memory", "semantic_recall"} <= set(result.tools_used)
        assert [layer["layer"] for layer in result.layers] == ["perceptual", "abstract"]
        assert [o["action"] for o in result.actions["executed"]] == ["recall", "remember"]
        assert result.energy == {"before": 20, "after": 19, "regenerated_to": 20}
        services = open_services(tmp_path)
        try:
            contents = [row[0] for row in services.store.query("SELECT content FROM memories WHERE mind = :mind")]
            journal = services.store.query_one(
                "SELECT status, record FROM beat_journal WHERE mind = :mind AND beat = ?", (result.beat,)
            )
        finally:
            services.close()
        assert "heron seen at the estuary" in contents
        assert "the heron returned" in contents
        assert any(text.startswith(f"Beat {result.beat}:") for text in contents), (
            "the episodic memory of the beat"
        )
        assert journal[0] == "completed"
        record = json.loads(journal[1])
        root_trace = record["trace"][0]
        assert root_trace["agent"] == "consciousness"
        first_step = next(step for step in root_trace["steps"] if step["type"] == "action")
        assert "create_memory(" in first_step["code"]
        assert {call["tool"] for call in first_step["tool_calls"]} >= {"create_memory", "semantic_recall"}

    def test_layers_get_a_layer_task_not_the_decision_format(self, tmp_path: Path) -> None:
        """A layer the root did not brief sees the situation and its role, never the root's Decision format."""
        factory = sc001_factory()
        with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
            heartbeat.beat()
        root_prompt = "\n".join(m["content"] for m in factory.models["consciousness"].calls[0])
        layer_prompt = "\n".join(m["content"] for m in factory.models["perceptual"].calls[0])
        assert "final_answer(decision)" in root_prompt
        assert "final_answer(decision)" not in layer_prompt
        assert "Action costs" not in layer_prompt
        assert "Observation:" in layer_prompt and "report on the mind's current situation" in layer_prompt

    def test_two_beats_carry_energy_and_memory(self, tmp_path: Path) -> None:
        factory = sc001_factory()
        factory.models["consciousness"].replies += [
            final_decision(
                decision(
                    actions=[
                        {"action": "synthesize", "params": {"topic": "heron"}, "reason": "x"},
                    ]
                )
            )
        ]
        factory.models["perceptual"].replies += [final("again")]
        factory.models["abstract"].replies += [final("again")]
        with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
            first = heartbeat.beat()
            second = heartbeat.beat()
        assert first.energy["after"] == 19
        assert second.energy["before"] == 20, "regenerated by 10, capped at 20"
        assert second.energy["after"] == 16
        task = factory.models["consciousness"].calls[2][1]["content"]
        assert f"Beat {first.beat}:" in task, "the last beat's narrative reaches the next decision"


class TestEnergy:
    """Regeneration, cap, trimming in order, no debt, rest below the threshold."""

    def test_trim_stops_at_first_unaffordable(self, tmp_path: Path) -> None:
        services = open_services(tmp_path)
        import asyncio

        asyncio.run(services.energy.set_level(0))
        asyncio.run(services.create_memory("a heron stands in the reeds"))
        services.close()
        plan = decision(
            actions=[
                {"action": "synthesize", "params": {"topic": "heron"}, "reason": "4"},
                {"action": "reach_out_public", "params": {"message": "hi"}, "reason": "7"},
                {
                    "action": "recall",
                    "params": {"query": "heron"},
                    "reason": "1, affordable but after the stop",
                },
            ]
        )
        factory = ScriptedFactory({"consciousness": [final_decision(plan)]})
        with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.energy["regenerated_to"] == 10
        assert [o["action"] for o in result.actions["executed"]] == ["synthesize"]
        assert [o["action"] for o in result.actions["skipped"]] == ["reach_out_public", "recall"]
        assert result.energy["after"] == 6

    def test_rest_below_threshold_skips_the_model(self, tmp_path: Path) -> None:
        factory = ScriptedFactory({"consciousness": []})
        config = make_config(tmp_path, "heartbeat: {rest_below: 25}\n")
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert factory.models["consciousness"].call_count == 0
        assert [o["action"] for o in result.actions["executed"]] == ["rest"]
        assert result.energy["after"] == result.energy["before"]


class TestInvalidDecisions:
    """An invalid decision goes back to the root; one that stays invalid falls back."""

    def test_root_corrects_an_invalid_decision(self, tmp_path: Path) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [
                    final_decision(decision(confidence=3, actions=[{"action": "fly", "params": {}}])),
                    final_decision(decision()),
                ]
            }
        )
        with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is False
        correction_prompt = factory.models["consciousness"].calls[1][-1]["content"]
        assert "invalid decision" in correction_prompt and "confidence" in correction_prompt
        assert "unknown action 'fly'" in correction_prompt

    def test_invalid_through_the_step_limit_falls_back(self, tmp_path: Path) -> None:
        factory = ScriptedFactory(
            {"consciousness": [final_decision({"reasoning": "x"})] * 4 + ["no code"] * 2}
        )
        with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is True
        assert "step limit" in (result.fallback_reason or "")
        assert result.decision and result.decision["actions"], "the procedural policy decided"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestModelPaths:
    """litellm's real path against a local server; a refusing server falls back and says so."""

    def test_litellm_path_decides(self, tmp_path: Path) -> None:
        script = RoutedScript(
            {
                "You are consciousness": [
                    code("print(abstract(task='Forecast.'))"),
                    final_decision(decision()),
                ],
                "perceptual layer": [final("patterns")],
                "abstract layer": [final("forecast")],
            }
        )
        with ModelServer(script) as server:
            model = f"{{model: openai/test, api_key: test, api_base: '{server.base_url}'}}"
            with Heartbeat(make_config(tmp_path, model=model)) as heartbeat:
                result = heartbeat.beat()
        assert result.fallback is False
        assert result.layers and all(layer["input_tokens"] > 0 for layer in result.layers)

    def test_refused_connections_fall_back_to_procedural(self, tmp_path: Path) -> None:
        model = f"{{model: openai/test, api_key: test, api_base: 'http://127.0.0.1:{closed_port()}/v1', max_retries: 0}}"
        with Heartbeat(make_config(tmp_path, model=model)) as heartbeat:
            result = heartbeat.beat()
        assert result.status == "completed"
        assert result.fallback is True
        assert (
            "Connection" in (result.fallback_reason or "")
            or "connect" in (result.fallback_reason or "").lower()
        )
        assert result.decision is not None and "brainstorm_goals" in [
            a["action"] for a in result.decision["actions"]
        ]

    def test_offline_policy_is_a_fallback_too(self, tmp_path: Path) -> None:
        model = "{model: openai/gpt-5-nano, fallbacks: [offline]}\n  offline: {model: orchestra/offline}"
        with Heartbeat(make_config(tmp_path, model=model)) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is True
        assert "no language model answered" in (result.fallback_reason or "")
        assert "OPENAI_API_KEY" in (result.fallback_reason or "")
        assert result.layers == [], "DECIDE stopped at once: no layer ran for a decision nobody could write"

    def test_deadline_interrupts_and_falls_back(self, tmp_path: Path) -> None:
        with ModelServer([final_decision(decision())] * 3) as server:
            server.delay_next(1, 3.0)
            model = f"{{model: openai/test, api_key: test, api_base: '{server.base_url}'}}"
            config = make_config(tmp_path, "heartbeat: {deadline_s: 0.5}\n", model=model)
            with Heartbeat(config) as heartbeat:
                started = time.monotonic()
                result = heartbeat.beat()
                assert time.monotonic() - started < 2.5
        assert result.fallback is True
        assert "deadline" in (result.fallback_reason or "")


def test_pause_stops_the_beat(tmp_path: Path) -> None:
    import asyncio

    services = open_services(tmp_path)
    asyncio.run(services.pause_heartbeat("testing"))
    services.close()
    factory = ScriptedFactory({"consciousness": []})
    with Heartbeat(make_config(tmp_path), model_factory=factory) as heartbeat:
        result = heartbeat.beat()
    assert result.status == "paused" and result.beat is None
    assert factory.models["consciousness"].call_count == 0


def journal_says_running(tmp_path: Path) -> bool:
    if not (tmp_path / "o.db").exists():
        return False
    services = open_services(tmp_path)
    try:
        row = services.store.query_one("SELECT status FROM beat_journal WHERE mind = :mind ORDER BY beat DESC LIMIT 1")
    finally:
        services.close()
    return row is not None and row[0] == "running"


def test_kill_mid_cycle_loses_nothing_and_next_beat_runs(tmp_path: Path) -> None:
    """A beat killed in DECIDE is marked aborted at the next start; what it wrote stays."""
    with ModelServer([final_decision(decision())] * 5) as server:
        server.delay_next(1, 60.0)
        config_path = tmp_path / "beat.yaml"
        model = f"{{model: openai/test, api_key: test, api_base: '{server.base_url}'}}"
        config_path.write_text(
            f"models:\n  default: {model}\n"
            f"services: {{store_path: '{tmp_path / 'o.db'}'}}\n"
            "tools:\n  sources:\n    - services: in_process\n"
            "layers:\n  abstract: {tools: []}\nheartbeat: {deadline_s: 120}\n"
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestra.cli", "heartbeat", str(config_path)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            deadline = time.monotonic() + 60
            while (
                time.monotonic() < deadline and process.poll() is None and not journal_says_running(tmp_path)
            ):
                time.sleep(0.1)
            time.sleep(1.5)  # observe and orient take milliseconds; now it waits on the delayed model
            assert process.poll() is None, "the beat should be waiting on the model"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
        services = open_services(tmp_path)
        try:
            status = services.store.query_one("SELECT status FROM beat_journal WHERE mind = :mind ORDER BY beat DESC LIMIT 1")[0]
            energy_after_kill = services.store.get_state("energy", {}).get("level")
        finally:
            services.close()
        assert status == "running"
        config = config_from_text(config_path.read_text(), file=str(config_path))
        with Heartbeat(config) as heartbeat:
            assert heartbeat._recovered, "the killed beat was found"
            result = heartbeat.beat()
        assert result.status == "completed" and result.recovered
        services = open_services(tmp_path)
        try:
            rows = services.store.query("SELECT status FROM beat_journal WHERE mind = :mind ORDER BY beat")
        finally:
            services.close()
        assert [row[0] for row in rows] == ["aborted", "completed"]
        assert 0 <= result.energy["after"] <= 20
        del energy_after_kill
