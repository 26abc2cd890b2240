"""SandboxExecutor: runs, tools served on the host, limits and deadlines, clean workers."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from smolagents.local_python_executor import InterpreterError

from orchestra.sandbox import Isolation, Limits, SandboxExecutor
from orchestra.sandbox import process as sandbox_process
from orchestra.sandbox.isolation import worker_environment
from orchestra.sandbox.process import WorkerProcess, Zygote

CALLS: list[tuple[str, Any]] = []
"""What the host-side tools were called with, in this process."""


def note(text: str) -> dict[str, Any]:
    CALLS.append(("note", text))
    return {"stored": text, "count": len(CALLS)}


def refuse(reason: str) -> None:
    raise ValueError(f"host refused: {reason}")


def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


def today() -> datetime.date:
    return datetime.date(2024, 5, 1)


def circular() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


def final_answer(answer: Any) -> Any:
    CALLS.append(("final_answer", answer))
    return answer


TOOLS = {
    "note": note,
    "refuse": refuse,
    "nap": nap,
    "today": today,
    "circular": circular,
    "final_answer": final_answer,
}
SHARED_LIMITS = Limits(wall_s=1.0, memory_mb=256, output_kb=1)


# -- processes seen from the host ----------------------------------------------------------------


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _innermost_pid(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except OSError:
        return None
    return None


def worker_pids(zygote: Zygote) -> set[int]:
    """Host pids of every process the zygote forked (workers and anything they forked)."""
    parents = _parents()
    found: set[int] = set()
    frontier = [zygote.process.pid]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                frontier.append(pid)
                # bubblewrap's own processes and the zygote under them are not workers
                if _comm(ppid) != "bwrap":
                    found.add(pid)
    return found


def host_pid(worker: WorkerProcess) -> int:
    """The host's pid of a worker (``worker.pid`` is its pid inside its PID namespace)."""
    for pid in worker_pids(worker.zygote):
        if _innermost_pid(pid) == worker.pid:
            return pid
    raise AssertionError(f"no process of the zygote has pid {worker.pid} in its namespace")


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def vm_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def timed(executor: SandboxExecutor, code: str) -> tuple[InterpreterError, float]:
    started = time.monotonic()
    with pytest.raises(InterpreterError) as caught:
        executor(code)
    return caught.value, time.monotonic() - started


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(isolation: Isolation) -> Iterator[SandboxExecutor]:
    executor = SandboxExecutor(
        ("json", "time", "os"), limits=SHARED_LIMITS, isolation=isolation, agent="test"
    )
    yield executor
    executor.cleanup()


@pytest.fixture
def sandbox(shared: SandboxExecutor) -> Iterator[SandboxExecutor]:
    """The shared executor at the start of a fresh run."""
    CALLS.clear()
    shared.deadline = None
    shared.send_tools(dict(TOOLS))
    shared.send_variables({})
    yield shared
    shared.deadline = None
    shared.end_run()


def own_executor(isolation: Isolation, limits: Limits, imports: tuple[str, ...] = ()) -> SandboxExecutor:
    executor = SandboxExecutor(imports, limits=limits, isolation=isolation, agent="test")
    executor.send_tools(dict(TOOLS))
    executor.send_variables({})
    return executor


# -- runs -------------------------------------------------------------------------------------------


class TestRuns:
    """A worker serves one run: its variables live across steps, and only that long."""

    def test_variables_persist_across_steps(self, sandbox: SandboxExecutor) -> None:
        assert sandbox("x = 41\nx").output == 41
        assert sandbox("x + 1").output == 42

    def test_variables_are_gone_after_end_run(self, sandbox: SandboxExecutor) -> None:
        sandbox("x = 41")
        first = sandbox._worker
        sandbox.end_run()
        assert sandbox._worker is not first
        with pytest.raises(InterpreterError, match="`x` is not defined"):
            sandbox("x")

    def test_a_new_run_gets_a_new_worker(self, sandbox: SandboxExecutor) -> None:
        sandbox("y = 1")
        sandbox.send_tools(dict(TOOLS))
        sandbox.send_variables({})
        with pytest.raises(InterpreterError, match="`y` is not defined"):
            sandbox("y")

    def test_sent_variables_arrive_as_plain_data(self, sandbox: SandboxExecutor) -> None:
        sandbox.send_variables(
            {"numbers": (1, 2), "tags": {"a"}, "nested": {1: [None, True, 2.5]}, "thing": object()}
        )
        out = sandbox("[numbers, tags, nested, thing.startswith('<object object')]").output
        assert out == [[1, 2], ["a"], {"1": [None, True, 2.5]}, True]

    def test_the_codes_own_error_keeps_the_worker_and_its_variables(self, sandbox: SandboxExecutor) -> None:
        sandbox("kept = 'yes'")
        worker = sandbox._worker
        with pytest.raises(InterpreterError, match="ZeroDivisionError"):
            sandbox("1 / 0")
        assert sandbox._worker is worker
        assert sandbox("kept").output == "yes"

    def test_printed_output_is_returned_as_logs(self, sandbox: SandboxExecutor) -> None:
        result = sandbox("print('hello', 3)\n'done'")
        assert result.logs == "hello 3\n"
        assert result.output == "done"
        assert result.is_final_answer is False

    def test_closed_executor_refuses_code(self, isolation: Isolation) -> None:
        executor = own_executor(isolation, SHARED_LIMITS)
        executor.cleanup()
        with pytest.raises(InterpreterError, match="closed"):
            executor("1")


class TestTools:
    """Tools run on the host, with the real objects; agent code sees plain results and errors."""

    def test_a_tool_runs_on_the_host(self, sandbox: SandboxExecutor) -> None:
        out = sandbox("r = note('hello')\nr2 = note(text='again')\n[r['stored'], r2['count']]").output
        assert CALLS == [("note", "hello"), ("note", "again")]  # the host's own list changed
        assert out == ["hello", 2]

    def test_tool_results_arrive_as_plain_data(self, sandbox: SandboxExecutor) -> None:
        assert sandbox("d = today()\n[d, isinstance(d, str)]").output == ["datetime.date(2024, 5, 1)", True]

    def test_a_tool_error_is_catchable_with_the_hosts_message(self, sandbox: SandboxExecutor) -> None:
        code = "try:\n    refuse('not now')\n    r = 'no error'\nexcept Exception as e:\n    r = str(e)\nr"
        assert sandbox(code).output == "ValueError: host refused: not now"

    def test_an_uncaught_tool_error_fails_the_step_only(self, sandbox: SandboxExecutor) -> None:
        sandbox("kept = 1")
        with pytest.raises(InterpreterError, match="host refused: later"):
            sandbox("refuse('later')")
        assert sandbox("kept").output == 1

    def test_an_unknown_name_fails(self, sandbox: SandboxExecutor) -> None:
        with pytest.raises(InterpreterError, match="launch"):
            sandbox("launch('rockets')")
        assert CALLS == []

    def test_the_host_refuses_calls_of_unknown_or_malformed_tools(self, sandbox: SandboxExecutor) -> None:
        # what a worker that broke out of its interpreter could send
        assert sandbox._serve({"op": "call", "name": "os_system"})["error"].startswith("there is no tool")
        assert sandbox._serve({"op": "call", "name": ["note"]})["op"] == "raised"
        assert sandbox._serve({"op": "call", "name": "note", "args": "x", "kwargs": {}})["error"] == (
            "malformed call of note"
        )
        assert CALLS == []

    def test_final_answer_ends_the_run(self, sandbox: SandboxExecutor) -> None:
        result = sandbox("final_answer({'answer': 42})")
        assert result.is_final_answer is True
        assert result.output == {"answer": 42}
        assert CALLS == [("final_answer", {"answer": 42})]

    def test_an_unsendable_tool_result_is_a_catchable_error(self, sandbox: SandboxExecutor) -> None:
        code = "try:\n    circular()\n    r = 'sent'\nexcept Exception as e:\n    r = 'caught'\nr"
        assert sandbox(code).output in {"sent", "caught"}


class TestOutput:
    """What a step prints or returns is cut at agents.limits.output_kb."""

    def test_printed_output_is_cut(self, sandbox: SandboxExecutor) -> None:
        result = sandbox("print('x' * 5000)")
        assert "agents.limits.output_kb" in result.logs
        assert result.logs.startswith("x" * 500)
        assert len(result.logs) < 1024 + 100
        assert sandbox.state["_print_outputs"] == result.logs

    def test_a_long_result_is_cut(self, sandbox: SandboxExecutor) -> None:
        output = sandbox("'y' * 5000").output
        assert isinstance(output, str)
        assert "agents.limits.output_kb" in output
        assert len(output) < 1024 + 100

    @pytest.mark.parametrize(
        "code",
        ["a = []\na.append(a)\na", "deep = []\nfor _ in range(5000):\n    deep = [deep]\ndeep"],
        ids=["circular", "deep"],
    )
    def test_an_unsendable_result_keeps_the_worker(self, sandbox: SandboxExecutor, code: str) -> None:
        sandbox("kept = 1")
        try:
            sandbox(code)
        except InterpreterError as failure:
            assert "worker ended" not in str(failure)
        assert sandbox("kept").output == 1


# -- limits ----------------------------------------------------------------------------------------


class TestTime:
    """A step's own time is limited (wall_s, the beat's deadline); time in host calls is not counted."""

    def test_a_step_over_wall_s_is_killed_and_the_next_works(self, sandbox: SandboxExecutor) -> None:
        worker = sandbox._worker
        failure, elapsed = timed(sandbox, "while True:\n    pass")
        assert 0.9 <= elapsed < SHARED_LIMITS.wall_s + 1  # type: ignore[operator]
        assert "agents.limits.wall_s" in str(failure)
        assert "fresh worker" in str(failure)
        assert sandbox._worker is not worker
        assert sandbox("1 + 1").output == 2

    def test_the_beats_deadline_kills_a_step(self, sandbox: SandboxExecutor) -> None:
        sandbox.deadline = time.monotonic() + 0.5
        failure, elapsed = timed(sandbox, "import time\ntime.sleep(10)")
        assert elapsed < 1.5
        assert "the beat's deadline" in str(failure)
        sandbox.deadline = None
        assert sandbox("2 + 2").output == 4

    def test_a_deadline_already_past_runs_nothing(self, sandbox: SandboxExecutor) -> None:
        sandbox.deadline = time.monotonic() - 1
        failure, elapsed = timed(sandbox, "note('should not happen')")
        assert "the beat's deadline" in str(failure)
        assert elapsed < 1.0
        assert CALLS == []

    def test_time_in_a_host_tool_does_not_count(self, sandbox: SandboxExecutor) -> None:
        started = time.monotonic()
        result = sandbox("nap(1.5)")
        assert result.output == "rested"
        assert time.monotonic() - started >= 1.5  # longer than wall_s = 1, and it succeeded


class TestResources:
    """CPU and memory are the worker's rlimits; hitting one fails the step, never the host."""

    def test_cpu_time_over_cpu_s_kills_the_worker(self, isolation: Isolation) -> None:
        executor = own_executor(isolation, Limits(cpu_s=1, wall_s=10))
        try:
            failure, elapsed = timed(executor, "n = 0\nwhile True:\n    n += 1")
            assert "CPU time" in str(failure)
            assert "agents.limits.cpu_s" in str(failure)
            assert elapsed < 10
            assert executor("3").output == 3
        finally:
            executor.cleanup()

    def test_a_memory_bomb_is_a_memory_error(self, sandbox: SandboxExecutor) -> None:
        before = vm_rss_kb()
        with pytest.raises(InterpreterError, match="MemoryError"):
            sandbox("bomb = [0] * 3 * 10**8")
        assert vm_rss_kb() - before < 64 * 1024  # the host did not grow by the bomb
        assert sandbox("len([0] * 10**6)").output == 10**6  # the worker lives on


class TestWorkerHoldsNothing:
    """The worker has nothing of the host's and leaves nothing behind."""

    def test_no_host_environment(self, isolation: Isolation, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ORCHESTRA_TEST_SECRET", "hunter2")
        # a zygote started now, with the secret in this process's environment
        fresh: dict[tuple[str, ...], Zygote] = {}
        monkeypatch.setattr(sandbox_process, "_zygotes", fresh)
        executor = own_executor(isolation, SHARED_LIMITS, imports=("os",))
        try:
            secret, names, home = executor(
                "import os\n[os.environ.get('ORCHESTRA_TEST_SECRET'), sorted(os.environ), os.environ['HOME']]"
            ).output
        finally:
            executor.cleanup()
            for zygote in fresh.values():
                zygote.close()
        assert secret is None
        allowed = {*worker_environment("/scratch"), "PWD", "LITELLM_LOCAL_MODEL_COST_MAP"}
        assert set(names) <= allowed, set(names) - allowed
        assert home != os.environ.get("HOME")

    def test_cleanup_leaves_no_worker_process(self, isolation: Isolation) -> None:
        executor = own_executor(isolation, SHARED_LIMITS)
        assert executor("1").output == 1
        assert executor._worker is not None
        worker = executor._worker
        pid = host_pid(worker)
        assert Path(f"/proc/{pid}").exists()
        executor.cleanup()
        assert executor._worker is None
        assert wait_until(lambda: not Path(f"/proc/{pid}").exists(), 3.0), f"worker {pid} still runs"

    def test_a_fork_bomb_is_stopped_and_the_next_step_works(self, isolation: Isolation) -> None:
        limits = Limits(wall_s=0.5)  # short, in case the seccomp filter were missing
        executor = own_executor(isolation, limits, imports=("os",))
        try:
            assert executor("0").output == 0
            assert executor._worker is not None
            zygote, bomb = executor._worker.zygote, host_pid(executor._worker)
            others = worker_pids(zygote) - {bomb}  # other executors' live workers
            failure, elapsed = timed(executor, "import os\n[os.fork() for _ in range(200)]")
            assert elapsed < 0.5 + 2
            assert "Operation not permitted" in str(failure)  # the seccomp filter: no fork at all
            assert executor("1 + 1").output == 2
            live = host_pid(executor._worker)
            allowed = others | {live}
            assert wait_until(lambda: worker_pids(zygote) <= allowed, 5.0), (
                f"stray processes: {worker_pids(zygote) - allowed}"
            )
        finally:
            executor.cleanup()

    def test_the_process_limit_binds(
        self, sandbox: SandboxExecutor, isolation: Isolation, request: pytest.FixtureRequest
    ) -> None:
        # at most 24 children, each gone within 2 s: safe even where nothing stops them
        code = (
            "import os, time\nmade = 0\ntry:\n    for _ in range(24):\n        if os.fork() == 0:\n"
            "            time.sleep(2)\n            os.kill(os.getpid(), 9)\n        made += 1\n"
            "except Exception as e:\n    pass\nmade"
        )
        made = sandbox(code).output
        assert made < SHARED_LIMITS.processes
