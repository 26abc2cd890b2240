"""Running the heartbeat: the CLI's JSON, the scheduler, and trigger/pause over MCP."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from orchestra.cli import main
from orchestra.config import McpServerConfig, config_from_text
from orchestra.heartbeat import Heartbeat
from orchestra.heartbeat.scheduler import next_beat_delay, parse_duration, run_schedule
from orchestra.tools.mcp_bridge import McpConnection

OFFLINE = (
    "models:\n  default: {model: orchestra/offline}\n"
    "tools:\n  sources:\n    - python: orchestra.tools.builtin\n    - services: in_process\n"
    "root:\n  tools: [create_memory]\n"
    "layers:\n  sensorimotor: {}\n  perceptual: {}\ngraph:\n  feeds: [sensorimotor -> perceptual]\n"
)


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "beat.yaml"
    path.write_text(OFFLINE + f"services: {{store_path: '{tmp_path / 'o.db'}'}}\n")
    return path


def test_heartbeat_json_has_the_promised_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["heartbeat", str(write_config(tmp_path)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("beat", "decision", "actions", "tools_used", "energy", "layers", "fallback", "seconds"):
        assert key in result
    assert set(result["energy"]) >= {"before", "after"}
    assert result["fallback"] is True and "no language model answered" in result["fallback_reason"]
    assert result["tools_used"] == [] and result["layers"] == [], (
        "no agent ran for a decision none could write"
    )
    assert "trace" not in result


def test_heartbeat_summary_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["heartbeat", str(write_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("beat 1 (")
    assert "fallback: procedural policy, because no language model answered" in out
    assert "tools used: none" in out


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h", 3600), ("5m", 300), ("30s", 30), ("1h30m", 5400), ("250ms", 0.25), ("12", 12)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("soon")


def test_cooldown_after_a_user_session_stretches_the_wait() -> None:
    rng = random.Random(0)
    assert next_beat_delay(60, 0, seconds_since_user=None, cooldown_s=1800, rng=rng) == 60
    assert next_beat_delay(60, 0, seconds_since_user=600, cooldown_s=1800, rng=rng) == 1200
    assert 60 <= next_beat_delay(60, 30, seconds_since_user=None, cooldown_s=1800, rng=rng) <= 90


def test_scheduler_beats_until_stopped(tmp_path: Path) -> None:
    config = config_from_text(write_config(tmp_path).read_text())
    stop = threading.Event()
    seen: list[int | None] = []

    def on_beat(result: object) -> None:
        seen.append(result.beat)  # type: ignore[attr-defined]
        if len(seen) == 3:
            stop.set()

    with Heartbeat(config) as heartbeat:
        count = run_schedule(heartbeat, every_s=0.01, jitter_s=0.01, cooldown_s=0, stop=stop, on_beat=on_beat)
    assert count == 3 and seen == [1, 2, 3]


def test_trigger_and_pause_over_mcp_drive_the_runtime(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    server = McpConnection(
        McpServerConfig(
            command=["python", "-m", "orchestra.mcp_server", "--transport", "stdio", "--config", str(path)],
            call_timeout_s=60,
        )
    )
    server.connect()
    try:
        first = server.call("trigger_heartbeat", {})
        assert first["status"] == "completed" and first["beat_count"] == 1
        assert first["result"]["status"] == "completed"
        assert server.call("pause_heartbeat", {"reason": "quiet hours"})["paused"] is True
        paused = server.call("trigger_heartbeat", {})
        assert paused["result"]["status"] == "paused"
        status = server.call("get_heartbeat_status", {})
        assert status["paused"] is True and status["beat_count"] == 1
        server.call("resume_heartbeat", {})
        assert server.call("trigger_heartbeat", {})["beat_count"] == 2
    finally:
        server.close()
