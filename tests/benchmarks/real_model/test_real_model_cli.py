"""The harness's process handling and its command line, without a model."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from benchmarks.real_model.checkouts import HERE
from benchmarks.real_model.cli import _parser, build_sides
from benchmarks.real_model.cli_process import orchestra_env, run_cli
from benchmarks.real_model.server import ServerSettings


def test_orchestra_env_has_no_keys_and_the_checkout_first(tmp_path: Path) -> None:
    """API keys and tokens are dropped; PYTHONPATH and ORCHESTRA_HOME point at the side's own."""
    base = {
        "PATH": "/bin",
        "OPENAI_API_KEY": "sk-x",
        "HF_TOKEN": "t",
        "AWS_SECRET_ACCESS_KEY": "s",
        "HOME": "/h",
    }
    env = orchestra_env(tmp_path / "checkout", tmp_path / "home", base)
    assert "OPENAI_API_KEY" not in env and "HF_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["PYTHONPATH"] == str(tmp_path / "checkout")
    assert env["ORCHESTRA_HOME"] == str(tmp_path / "home")
    assert env["PATH"] == "/bin"


def test_run_cli_reads_the_json_and_the_exit(tmp_path: Path) -> None:
    """A real CLI process of this checkout: exit 0, its JSON found on stdout with its arrival time."""
    env = orchestra_env(HERE, tmp_path / "home")
    result = run_cli(
        Path(sys.executable), HERE, ["schema"], env=env, timeout_s=120, stderr_path=tmp_path / "e"
    )
    assert result.exit_code == 0, result.stderr
    assert "properties" in json.loads(result.stdout)
    assert result.json_at_s is not None and result.exit_after_json_s is not None
    assert result.error() is None


def test_run_cli_kills_an_overrunning_process(tmp_path: Path) -> None:
    """A process past its timeout is killed with its group; no exit code, the reason kept."""
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run_cli(
        fake, tmp_path, ["heartbeat"], env=dict(os.environ), timeout_s=0.5, stderr_path=tmp_path / "e"
    )
    assert result.exit_code is None
    assert result.killed == "killed after 0.5 s"
    assert result.error() == "killed after 0.5 s"
    assert result.exit_after_json_s is None


def test_sides_from_the_command_line(tmp_path: Path) -> None:
    """--set reaches both sides, --after-set only the after side; --without-structured drops the knobs."""
    args = _parser().parse_args(
        [
            "--before",
            str(tmp_path),
            "--set",
            "heartbeat.deadline_s=300",
            "--after-set",
            "agents.max_memory_steps=2",
        ]
    )
    before, after = build_sides(args)
    assert before.checkout == tmp_path.resolve() and after.checkout == HERE
    assert before.knobs["heartbeat.deadline_s"] == after.knobs["heartbeat.deadline_s"] == 300
    assert after.knobs["agents.max_memory_steps"] == 2
    assert "agents.max_memory_steps" not in before.knobs
    assert set(after.optional) == {"root.structured_decision", "models.default.structured_output"}
    args = _parser().parse_args(["--sides", "after", "--without-structured"])
    (only,) = build_sides(args)
    assert "root.structured_decision" not in only.knobs and only.notes


def test_server_command_is_loopback_and_verbose() -> None:
    """The server binds 127.0.0.1 only and logs its prefix-match lines."""
    command = ServerSettings().command(Path("/m.gguf"), 8123)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8123"
    assert command[command.index("--verbose") + 1] == "true"
    assert command[command.index("--n_ctx") + 1] == "8192"
