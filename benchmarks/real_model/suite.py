"""One side's measurement: its own server, its config, N beats, N runs and the deadline check.

Each side gets a fresh model server (so its log, and with it the cache hit rate, holds only its own
requests; :meth:`~benchmarks.real_model.server.LlamaServer.log_offset` marks each process's share)
and a fresh ``ORCHESTRA_HOME``. The beats run one after another on that store, as a scheduler would
run them (each sees the last beat's narrative). The deadline beat comes last: a beat that passes its
deadline may leave a request in the single slot, which must not slow a measured beat.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import structlog

from benchmarks.real_model.cache_log import CacheStats, parse_cache_log
from benchmarks.real_model.checkouts import Side
from benchmarks.real_model.cli_process import CliResult, orchestra_env, run_cli
from benchmarks.real_model.configs import apply_knobs, side_config, write_config
from benchmarks.real_model.knobs import DEADLINE_S
from benchmarks.real_model.records import (
    BeatRecord,
    Process,
    RunRecord,
    first_json_object,
    parse_beat,
    parse_run,
)
from benchmarks.real_model.server import LlamaServer, ServerSettings

log = structlog.get_logger(__name__)

ORCHESTRA_PYTHON = Path("/work/main/.venv/bin/python")
"""The interpreter with orchestra's dependencies; the code it imports is the side's checkout."""

TASKS = (
    "Recall what this mind remembers and say in two sentences what it should attend to next.",
    "List the mind's current goals and name the one to work on first, with one reason.",
    "Describe the mind's situation right now (energy, goals, recent memories) in three short points.",
)
"""The ``orchestra run`` tasks, taken in turn."""


@dataclass(kw_only=True)
class Plan:
    """What each side runs."""

    beats: int = 5
    runs: int = 3
    deadline_s: float = DEADLINE_S
    """``heartbeat.deadline_s`` of the deadline check."""
    deadline_check: bool = True
    beat_grace_s: float = 300.0
    """A measured beat is killed this long after its own ``heartbeat.deadline_s``."""
    run_timeout_s: float = 600.0
    """An ``orchestra run`` is killed after this long (a run has no deadline of its own)."""
    python: Path = ORCHESTRA_PYTHON
    server: ServerSettings = field(default_factory=ServerSettings)
    work: Path = Path("/tmp/real-model")
    """Configs, stores, server logs and each process's output go under ``work/<side>/``."""


@dataclass(kw_only=True)
class DeadlineCheck:
    """A beat with a deadline the model cannot meet: how long the process lingers after its answer."""

    deadline_s: float
    json_at_s: float | None
    """Process start to the beat's JSON on stdout."""
    exit_after_json_s: float | None
    """The beat's JSON on stdout to the process's exit: what the 1 s target bounds."""
    wall_s: float
    exit_code: int | None
    fallback_reason: str | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


@dataclass(kw_only=True)
class SideResult:
    """Everything measured on one side."""

    side: str
    checkout: str
    commit: str | None
    knobs: dict[str, Any]
    notes: list[str]
    config: dict[str, Any]
    beats: list[BeatRecord] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    deadline: DeadlineCheck | None = None
    cache: CacheStats = field(default_factory=CacheStats)
    """The whole side's server log (beats, runs and the deadline beat)."""
    measured_cache: CacheStats = field(default_factory=CacheStats)
    """Only the measured beats' and runs' stretches of the log."""
    seconds: float = 0.0
    work: str = ""


class SideRunner:
    """Runs one side's plan against its own server."""

    def __init__(self, side: Side, plan: Plan) -> None:
        self.side = side
        self.plan = plan
        self.dir = plan.work / side.name
        self.env = orchestra_env(side.checkout, self.dir / "home")
        self._refusal = ""

    def _cli(
        self, server: LlamaServer, name: str, arguments: list[str], timeout_s: float
    ) -> tuple[CliResult, CacheStats]:
        server.wait_idle()
        offset = server.log_offset()
        result = run_cli(
            self.plan.python,
            self.side.checkout,
            arguments,
            env=self.env,
            timeout_s=timeout_s,
            stderr_path=self.dir / f"{name}.stderr",
        )
        (self.dir / f"{name}.stdout").write_text(result.stdout, encoding="utf-8")
        return result, parse_cache_log(server.log_since(offset).splitlines())

    def _configs(self, server: LlamaServer) -> tuple[dict[str, Any], Path, Path]:
        """The side's config data, and its files for the measured beats and for the deadline beat."""
        data = side_config(self.side.checkout, self.side.knobs, api_base=server.api_base)
        deadline = apply_knobs(data, {"heartbeat.deadline_s": self.plan.deadline_s}, api_base=server.api_base)
        return (
            data,
            write_config(data, self.dir / "config.yaml"),
            write_config(deadline, self.dir / "deadline.yaml"),
        )

    def _accepts(self, server: LlamaServer, path: Path) -> bool:
        result, _ = self._cli(server, f"validate-{path.stem}", ["validate", str(path)], 180.0)
        self._refusal = (result.error() or "")[-400:].strip()
        return result.exit_code == 0

    def _validate(self, server: LlamaServer, path: Path) -> None:
        if not self._accepts(server, path):
            raise RuntimeError(f"{self.side.name}: orchestra validate {path} refused it: {self._refusal}")

    def run(self) -> SideResult:
        """Start the server, measure, stop the server (also on errors and Ctrl-C)."""
        started = time.monotonic()
        self.dir.mkdir(parents=True, exist_ok=True)
        with LlamaServer(settings=self.plan.server, log_path=self.dir / "server.log") as server:
            data, config, deadline_config = self._configs(server)
            if not self._accepts(server, config) and self.side.optional:
                self.side.drop_optional(f"orchestra validate refused the config: {self._refusal}")
                data, config, deadline_config = self._configs(server)
            self._validate(server, config)
            result = SideResult(
                side=self.side.name,
                checkout=str(self.side.checkout),
                commit=self.side.commit(),
                knobs=dict(self.side.knobs),
                notes=list(self.side.notes),
                config=data,
                work=str(self.dir),
            )
            beat_timeout = float(data.get("heartbeat", {}).get("deadline_s", 30.0)) + self.plan.beat_grace_s
            for index in range(self.plan.beats):
                cli, stats = self._cli(
                    server, f"beat-{index}", ["heartbeat", str(config), "--json", "--trace"], beat_timeout
                )
                record = parse_beat(first_json_object(cli.stdout), _process(cli), index=index, server=stats)
                result.beats.append(record)
                result.measured_cache = result.measured_cache + stats
                log.info(
                    "beat_measured",
                    side=self.side.name,
                    beat=index,
                    valid=record.valid,
                    reason=record.reason_kind,
                    root_steps=record.root_steps,
                    prompt_tokens=record.prompt_tokens,
                    decide_s=record.decide_s,
                )
            for index in range(self.plan.runs):
                task = TASKS[index % len(TASKS)]
                cli, stats = self._cli(
                    server, f"run-{index}", ["run", str(config), task, "--json"], self.plan.run_timeout_s
                )
                run = parse_run(first_json_object(cli.stdout), _process(cli), index=index, server=stats)
                result.runs.append(run)
                result.measured_cache = result.measured_cache + stats
                log.info(
                    "run_measured",
                    side=self.side.name,
                    run=index,
                    ok=run.ok,
                    root_steps=run.root_steps,
                    prompt_tokens=run.prompt_tokens,
                    seconds=run.seconds,
                )
            if self.plan.deadline_check:
                self._validate(server, deadline_config)
                result.deadline = self._deadline(server, deadline_config)
            result.cache = parse_cache_log(server.log_since(0).splitlines())
        result.seconds = time.monotonic() - started
        return result

    def _deadline(self, server: LlamaServer, config: Path) -> DeadlineCheck:
        cli, _ = self._cli(
            server,
            "deadline",
            ["heartbeat", str(config), "--json"],
            self.plan.deadline_s + self.plan.beat_grace_s,
        )
        data = first_json_object(cli.stdout) or {}
        check = DeadlineCheck(
            deadline_s=self.plan.deadline_s,
            json_at_s=_round(cli.json_at_s),
            exit_after_json_s=_round(cli.exit_after_json_s),
            wall_s=round(cli.wall_s, 3),
            exit_code=cli.exit_code,
            fallback_reason=data.get("fallback_reason"),
            error=cli.error(),
        )
        log.info("deadline_measured", side=self.side.name, exit_after_json_s=check.exit_after_json_s)
        return check


def _process(cli: CliResult) -> Process:
    return Process(
        exit_code=cli.exit_code, wall_s=round(cli.wall_s, 3), error=cli.error(), json_at_s=cli.json_at_s
    )


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
