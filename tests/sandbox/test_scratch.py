"""Scratch directories do not pile up (rlimits mode keeps one per host in the temp directory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestra.sandbox.process import SCRATCH_PREFIX, sweep_scratch

ROOT = Path(__file__).resolve().parents[2]


def test_sweep_removes_only_directories_of_dead_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f"{SCRATCH_PREFIX}{dead.stdout.strip()}-abc"
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-def"
    other = tmp_path / f"{SCRATCH_PREFIX}notapid"
    for path in (gone, mine, other):
        (path / "worker-1").mkdir(parents=True)
    assert sweep_scratch() == 1
    assert not gone.exists() and mine.exists() and other.exists()


def test_a_cli_run_leaves_no_scratch_directory(tmp_path: Path) -> None:
    """The CLI exits without the interpreter's teardown; it closes the sandbox itself first."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    env.update(TMPDIR=str(scratch), ORCHESTRA_HOME=str(tmp_path / "home"))
    orchestra = str(Path(sys.executable).parent / "orchestra")
    done = subprocess.run(
        [orchestra, "heartbeat", str(ROOT / "configs" / "thoughtseed.yaml"), "--set", "agents.isolation=rlimits"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "beat 1" in done.stdout
    assert sorted(path.name for path in scratch.glob(f"{SCRATCH_PREFIX}*")) == []
