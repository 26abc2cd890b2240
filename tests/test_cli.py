"""The ``orchestra`` command: exit codes, one-line errors, output shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestra.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = str(ROOT / "configs/thoughtseed.yaml")


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", DEFAULT]) == 0
    out = capsys.readouterr().out
    assert (
        "ok — 5 layers, generations {sensorimotor, perceptual} -> {conceptual, abstract} -> {metacognitive}"
        in out
    )


def test_validate_bad_config_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers:\n  abstract:\n    max_steps: 0\n")
    assert main(["validate", str(bad)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines == [f"orchestra: error: layers.abstract.max_steps: must be >= 1 ({bad}:3)"]
    assert "Traceback" not in captured.err


def test_validate_unknown_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers:\n  sensorimotor:\n    tools: [observe_enviroment]\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown tool 'observe_enviroment' (did you mean 'observe_environment'?)" in err
    assert f"({bad}:3)" in err


def test_set_override_error_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", DEFAULT, "--set", "layers.abstract.model=fast"]) == 2
    assert "(--set layers.abstract.model=fast)" in capsys.readouterr().err


def test_graph_mermaid_and_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", DEFAULT]) == 0
    assert "perceptual --> conceptual" in capsys.readouterr().out
    assert main(["graph", DEFAULT, "--format", "dot"]) == 0
    assert '"perceptual" -> "conceptual";' in capsys.readouterr().out


def test_schema_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "layers" in schema["properties"]


def test_run_offline_json(capsys: pytest.CaptureFixture[str]) -> None:
    """With no API key the default profile falls back to the offline policy and the run completes."""
    assert main(["run", DEFAULT, "What should I attend to?", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["ok"] is True
    assert {layer["layer"] for layer in result["layers"]} == {
        "sensorimotor",
        "perceptual",
        "conceptual",
        "abstract",
        "metacognitive",
    }
    sensorimotor = next(layer for layer in result["layers"] if layer["layer"] == "sensorimotor")
    assert "observe_environment" in sensorimotor["answer"]
    assert "falling_back_to=offline" in captured.err or "offline" in captured.err


def test_missing_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "nope.yaml", "task"]) == 2
    assert capsys.readouterr().err.strip() == "orchestra: error: config file not found (nope.yaml)"


def test_console_script_with_json_logs(tmp_path: Path) -> None:
    """The installed entry point runs as a process; --log-format json makes stderr JSON lines."""
    process = subprocess.run(
        [sys.executable, "-m", "orchestra.cli", "--log-format", "json", "run", DEFAULT, "Go."],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "ORCHESTRA_HOME": str(tmp_path)},
    )
    assert process.returncode == 0, process.stderr
    assert "answer (ok" in process.stdout
    log_lines = [json.loads(line) for line in process.stderr.splitlines() if line.startswith("{")]
    assert any(entry["event"] == "model_failed" for entry in log_lines)
