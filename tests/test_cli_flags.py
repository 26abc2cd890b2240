"""Flags the CLI would otherwise ignore are refused in one line; --version and --store work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestra import __version__
from orchestra.cli import main

DEFAULT = str(Path(__file__).resolve().parent.parent / "configs/thoughtseed.yaml")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"orchestra {__version__}"


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--jitter", "5m"], "--jitter spaces beats kept by --every; add --every"),
        (["--trace"], "--trace adds the execution trace to --json output; add --json"),
        (["--every", "0s"], "--every 0s: beats must be at least 1s apart"),
        (["--every", "banana"], "--every/--jitter: invalid duration 'banana'"),
        (["--every", "1h", "--jitter", "soon"], "--every/--jitter: invalid duration 'soon'"),
        (["--every", "--jitter", "soon"], "--every/--jitter: invalid duration 'soon'"),
        (["--every", "--set", "heartbeat.every=0s"], "heartbeat.every: '0s': beats must be at least 1s apart"),
    ],
)
def test_a_heartbeat_flag_that_would_be_ignored_is_refused(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["heartbeat", DEFAULT, *flags]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"orchestra: error: {said}")


def test_every_alone_beats_at_the_configs_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``heartbeat.every`` is what ``--every`` without a value uses (it was read by nothing)."""
    import orchestra.heartbeat.scheduler as scheduler

    seen: dict[str, float] = {}

    def record(heartbeat: object, *, every_s: float, jitter_s: float, **_: object) -> list[object]:
        seen.update(every_s=every_s, jitter_s=jitter_s)
        return []

    monkeypatch.setattr(scheduler, "run_schedule", record)
    code = main(
        [
            "heartbeat",
            DEFAULT,
            "--every",
            "--store",
            str(tmp_path / "o.db"),
            "--set",
            "heartbeat.every=90s",
            "--set",
            "heartbeat.jitter=0s",
            "--set",
            "tools.sources=[{python: orchestra.tools.builtin}, {services: in_process}]",
        ]
    )
    assert code == 0
    assert seen == {"every_s": 90.0, "jitter_s": 0.0}


def test_store_flag_picks_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    store = tmp_path / "chosen.db"
    code = main(
        [
            "run",
            DEFAULT,
            "Say hello.",
            "--json",
            "--store",
            str(store),
            "--set",
            "tools.sources=[{python: orchestra.tools.builtin}, {services: in_process}]",
        ]
    )
    assert code in (0, 1)
    json.loads(capsys.readouterr().out)
    assert store.exists()


def test_the_scheduler_says_when_the_next_beat_is(tmp_path: Path) -> None:
    """``on_wait`` hears each wait before it starts (the CLI prints "next beat at ...")."""
    import threading

    from orchestra.config import config_from_text
    from orchestra.heartbeat import Heartbeat
    from orchestra.heartbeat.scheduler import run_schedule

    config = config_from_text(f"services:\n  store_path: '{tmp_path / 'store.db'}'\n", file="beat.yaml")
    stop, waits = threading.Event(), []

    def on_wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            stop.set()

    with Heartbeat(config) as heartbeat:
        beats = run_schedule(
            heartbeat,
            every_s=0.01,
            jitter_s=0.0,
            cooldown_s=0,
            stop=stop,
            on_beat=lambda _: None,
            on_wait=on_wait,
        )
    assert beats == 2
    assert waits == [pytest.approx(0.01), pytest.approx(0.01)]
