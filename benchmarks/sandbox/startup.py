"""What starting a worker costs: the zygote from nothing, a fork from it, a fork after a kill.

A host process starts one zygote per isolation on first use and keeps it in
``orchestra.sandbox.process._zygotes``; closing those and emptying the dict puts the process back
where one that never ran agent code is (its imports, the bubblewrap probe and the spawner thread
stay paid), so every repetition of the cold start is a real one. Each figure is defined in
:data:`benchmarks.sandbox.report.METHOD`.
"""

from __future__ import annotations

import time
from dataclasses import replace

import structlog
from smolagents.local_python_executor import InterpreterError

from benchmarks.sandbox.steps import OVERRUN, SNIPPETS, sandbox_executor
from benchmarks.sandbox.timing import summary_ms
from orchestra.sandbox import Isolation, Limits, SandboxExecutor
from orchestra.sandbox import process as sandbox_process

log = structlog.get_logger(__name__)

PAUSE_S = 0.1
"""How long the paused fork waits before its next step (a model call is longer)."""
KILL_WALL_S = 0.2
"""The time limit of the restart measurement's overrunning step."""


def close_zygotes() -> None:
    """Close every zygote this process started and forget them (the next worker starts one)."""
    with sandbox_process._zygotes_lock:
        for zygote in sandbox_process._zygotes.values():
            zygote.close()
        sandbox_process._zygotes.clear()


def _step(executor: SandboxExecutor) -> float:
    started = time.perf_counter()
    executor(SNIPPETS[0])
    return time.perf_counter() - started


def cold_starts(isolation: Isolation, limits: Limits, repetitions: int) -> dict[str, object]:
    """A new executor's first step with no zygote running, ``repetitions`` times.

    Args:
        isolation: The mechanism.
        limits: The workers' limits.
        repetitions: Cold starts measured.

    Returns:
        ``construct`` (the executor's constructor: zygote started, first fork requested) and
        ``to_first_answer`` (constructor to the first step's answer) summaries.
    """
    construct, total = [], []
    for _ in range(repetitions):
        close_zygotes()
        started = time.perf_counter()
        executor = sandbox_executor(isolation, limits)
        built = time.perf_counter()
        executor(SNIPPETS[0])
        total.append(time.perf_counter() - started)
        construct.append(built - started)
        executor.cleanup()
    log.info("cold_starts_measured", mechanism=isolation.mechanism, repetitions=repetitions)
    return {"construct": summary_ms(construct), "to_first_answer": summary_ms(total)}


def forks(isolation: Isolation, limits: Limits, repetitions: int) -> dict[str, object]:
    """Runs ended and the next one's first step taken at once, then after a pause.

    Args:
        isolation: The mechanism.
        limits: The workers' limits.
        repetitions: Forks measured per variant.

    Returns:
        Summaries of ``end_run`` (its own duration: the old worker killed, the new one forked),
        ``first_step`` (the next step right after it: the new worker's readiness included),
        ``warm_step`` (the step after that), ``added`` (end_run + first step - warm step, per
        repetition) and ``first_step_after_pause`` (the next step taken :data:`PAUSE_S` later).
    """
    executor = sandbox_executor(isolation, limits)
    ended, first, warm, added, paused = [], [], [], [], []
    try:
        _step(executor)
        for _ in range(repetitions):
            started = time.perf_counter()
            executor.end_run()
            ended.append(time.perf_counter() - started)
            first.append(_step(executor))
            warm.append(_step(executor))
            added.append(ended[-1] + first[-1] - warm[-1])
        for _ in range(repetitions):
            executor.end_run()
            time.sleep(PAUSE_S)
            paused.append(_step(executor))
    finally:
        executor.cleanup()
    log.info("forks_measured", mechanism=isolation.mechanism, repetitions=repetitions)
    return {
        "end_run": summary_ms(ended),
        "first_step": summary_ms(first),
        "warm_step": summary_ms(warm),
        "added": summary_ms(added),
        "first_step_after_pause": summary_ms(paused),
    }


def restarts(isolation: Isolation, limits: Limits, repetitions: int) -> dict[str, object]:
    """A step killed at its time limit, then the next step, ``repetitions`` times.

    Args:
        isolation: The mechanism.
        limits: The workers' limits (``wall_s`` is replaced by :data:`KILL_WALL_S`).
        repetitions: Kills measured.

    Returns:
        ``wall_s`` and summaries of ``overrun`` (the error's arrival past the limit: the kill and
        the replacement's fork), ``recovery`` (the error to the next step's answer) and
        ``limit_to_answer`` (the limit's expiry to the next step's answer: both together).

    Raises:
        RuntimeError: When the overrunning step was not stopped.
    """
    executor = sandbox_executor(isolation, replace(limits, wall_s=KILL_WALL_S))
    overrun, recovery, total = [], [], []
    try:
        _step(executor)
        for _ in range(repetitions):
            started = time.perf_counter()
            try:
                executor(OVERRUN)
            except InterpreterError as stopped:
                if "time limit" not in str(stopped):
                    raise
            else:
                raise RuntimeError("the overrunning step was not stopped")
            failed = time.perf_counter()
            _step(executor)
            answered = time.perf_counter()
            overrun.append(failed - started - KILL_WALL_S)
            recovery.append(answered - failed)
            total.append(answered - started - KILL_WALL_S)
    finally:
        executor.cleanup()
    log.info("restarts_measured", mechanism=isolation.mechanism, repetitions=repetitions)
    return {
        "wall_s": KILL_WALL_S,
        "overrun": summary_ms(overrun),
        "recovery": summary_ms(recovery),
        "limit_to_answer": summary_ms(total),
    }


def worker_start(isolation: Isolation, limits: Limits, repetitions: int) -> dict[str, object]:
    """Cold start, forks and restarts of one mechanism (cold starts last: they close the zygote)."""
    return {
        "mechanism": isolation.mechanism,
        "repetitions": repetitions,
        "fork": forks(isolation, limits, repetitions),
        "restart_after_kill": restarts(isolation, limits, repetitions),
        "cold_start": cold_starts(isolation, limits, repetitions),
    }
