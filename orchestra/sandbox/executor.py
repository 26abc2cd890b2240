"""The sandbox executor: smolagents' ``PythonExecutor`` with agent code in a worker process.

``CodeAgent(executor=SandboxExecutor(...))`` runs each code step in a
:class:`~orchestra.sandbox.process.WorkerProcess` and serves the step's tool, layer and
``final_answer`` calls on the host, with the real tools, so the tool log and the trace stay where
agent code cannot touch them. A worker serves one run: variables live across that run's steps and
are gone after it. A step that runs past ``limits.wall_s`` (its own time, not its calls') or the
beat's deadline gets its worker killed and fails with a clear error; the agent goes on to its next
step (or the beat to its fallback) with a fresh worker, which is started as soon as the old one is
gone so it is warm by the time the model has written the next step.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any

import structlog
from smolagents.local_python_executor import CodeOutput, InterpreterError, PythonExecutor

from orchestra.sandbox.isolation import Isolation
from orchestra.sandbox.limits import Limits, cut_output
from orchestra.sandbox.process import WorkerFailure, WorkerProcess
from orchestra.sandbox.protocol import plain

log = structlog.get_logger(__name__)


class SandboxExecutor(PythonExecutor):
    """Runs agent code out of process (see the module docstring)."""

    def __init__(
        self, authorized_imports: Iterable[str], *, limits: Limits, isolation: Isolation, agent: str = ""
    ) -> None:
        self.imports = tuple(authorized_imports)
        self.limits = limits
        self.isolation = isolation
        self.agent = agent
        self.deadline: float | None = None
        """Monotonic time past which no step may run (the beat's), set by the hierarchy."""
        self.state: dict[str, Any] = {"_print_outputs": ""}
        """What the last step printed, where smolagents looks for it when a step fails."""
        self._tools: dict[str, Any] = {}
        self._variables: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._worker: WorkerProcess | None = None
        self._closed = False
        self._holder: list[WorkerProcess] = []
        """The live worker, shared with the finalizer (which must not hold the executor)."""
        self._start_worker()
        weakref.finalize(self, SandboxExecutor._kill_quietly, self._holder)

    # -- the PythonExecutor interface -------------------------------------------------------

    def send_tools(self, tools: dict[str, Any]) -> None:
        """Keep the tools on the host; the worker gets their names (a run starts here)."""
        self._tools = dict(tools)
        self._recycle_if_used()

    def send_variables(self, variables: dict[str, Any]) -> None:
        """Variables for the run's code, as plain data."""
        self._variables = dict(variables)
        self._recycle_if_used()

    def __call__(self, code_action: str) -> CodeOutput:
        with self._lock:
            worker = self._worker
            try:
                worker = self._take_worker()
                return self._run(worker, code_action)
            except WorkerFailure as failure:
                if worker is not None:
                    self._replace(worker)
                raise InterpreterError(
                    f"{failure}; a fresh worker was started (the variables of earlier steps are gone)"
                ) from None
            except InterpreterError:  # the code's own error: the worker and the run's variables live on
                raise
            except BaseException:
                if worker is not None:
                    self._replace(worker)
                raise

    def cleanup(self) -> None:
        """Kill the worker; the executor cannot be used again.

        Does not wait for a step still running in another thread (say, its code is waiting on a
        layer whose model hangs past the deadline): that step's worker is killed under it, and
        its thread finds the executor closed when it returns.
        """
        self._closed = True
        worker = self._worker
        if worker is not None:
            worker.kill()
        if self._lock.acquire(blocking=False):
            try:
                self._worker = None
                self._holder.clear()
            finally:
                self._lock.release()

    def end_run(self) -> None:
        """The run is over: its worker goes, and the next run's starts now, while nothing waits."""
        with self._lock:
            if self._worker is not None and self._worker.used:
                self._replace(self._worker)

    # -- workers ------------------------------------------------------------------------------

    @staticmethod
    def _kill_quietly(holder: list[WorkerProcess]) -> None:
        for worker in holder:
            worker.kill()

    def _start_worker(self) -> None:
        """Ask for the next worker; when none can be had now, the next step asks again (and says why)."""
        self._worker = None
        self._holder.clear()
        if self._closed:
            return
        try:
            self._worker = WorkerProcess(self.isolation, self.limits, self.imports)
        except WorkerFailure as failure:
            log.warning("sandbox_worker_unavailable", agent=self.agent, error=str(failure))
            return
        self._holder[:] = [self._worker]

    def _replace(self, worker: WorkerProcess) -> None:
        worker.kill()
        if self._worker is worker:
            self._start_worker()

    def _recycle_if_used(self) -> None:
        with self._lock:
            if self._worker is not None and self._worker.used:
                self._replace(self._worker)

    def _take_worker(self) -> WorkerProcess:
        if self._closed:
            raise InterpreterError("the sandbox executor was closed")
        if self._worker is None or not self._worker.alive():
            if self._worker is not None:
                self._worker.kill()
            self._worker = WorkerProcess(self.isolation, self.limits, self.imports)  # or say why not
            self._holder[:] = [self._worker]
        worker = self._worker
        if not worker.used:
            try:
                worker.ready()
            except WorkerFailure:
                if worker.zygote.alive():
                    raise
                # the sandbox itself died (code killed everything in it): once more, in a new one
                worker.kill()
                worker = self._worker = WorkerProcess(self.isolation, self.limits, self.imports)
                self._holder[:] = [worker]
                worker.ready()
            worker.send({"op": "tools", "names": sorted(self._tools)})
            worker.send({"op": "variables", "values": plain(self._variables)})
            worker.used = True
        return worker

    # -- one step -----------------------------------------------------------------------------

    def _run(self, worker: WorkerProcess, code: str) -> CodeOutput:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise InterpreterError("the beat's deadline has passed; the step was not run")
        worker.send({"op": "run", "code": code})
        own_time = 0.0
        while True:
            wait, what = self._wait_budget(own_time)
            started = time.monotonic()
            message = worker.receive(wait)
            own_time += time.monotonic() - started
            if message is None:
                raise WorkerFailure(f"the code ran past {what}; its worker was killed")
            op = message["op"]
            if op == "call":
                answer = self._serve(message)
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    raise WorkerFailure("the beat's deadline passed during a tool call; the step was stopped")
                worker.send(answer)
            elif op == "done":
                logs = self._cap(str(message.get("logs", "")))
                self.state["_print_outputs"] = logs
                output, final = self._cap_value(message.get("output")), bool(message.get("final"))
                return CodeOutput(output=output, logs=logs, is_final_answer=final)
            elif op == "failed":
                self.state["_print_outputs"] = self._cap(str(message.get("logs", "")))
                raise InterpreterError(self._cap(str(message.get("error", "the code failed"))))
            else:
                raise WorkerFailure(f"the sandbox worker sent an unknown message '{op}'")

    def _wait_budget(self, own_time: float) -> tuple[float | None, str]:
        """How long to wait for the worker now, and the limit that sets it."""
        wall = None if self.limits.wall_s is None else self.limits.wall_s - own_time
        until_deadline = None if self.deadline is None else self.deadline - time.monotonic()
        if until_deadline is not None and (wall is None or until_deadline < wall):
            return max(0.0, until_deadline), "the beat's deadline"
        if wall is None:
            return None, ""
        return max(0.0, wall), f"its time limit ({self.limits.wall_s:g} s, agents.limits.wall_s)"

    def _serve(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run one call the worker asked for, with the real tool, and answer in plain data."""
        name = message.get("name")
        args, kwargs = message.get("args", []), message.get("kwargs", {})
        if not isinstance(name, str) or name not in self._tools:
            return {"op": "raised", "error": f"there is no tool or layer named {name!r}"}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            return {"op": "raised", "error": f"malformed call of {name}"}
        try:
            return {"op": "returned", "value": plain(self._tools[name](*args, **kwargs))}
        except Exception as failure:
            return {"op": "raised", "error": self._cap(f"{type(failure).__name__}: {failure}")}

    def _cap_value(self, value: Any) -> Any:
        """A worker's result within ``output_kb`` (a worker that escaped its interpreter could send
        more than the worker's own cut allows)."""
        if isinstance(value, str):
            return self._cap(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        text = json.dumps(value)
        return value if len(text) <= self.limits.output_kb * 1024 else self._cap(text)

    def _cap(self, text: str) -> str:
        return cut_output(text, self.limits.output_kb * 1024)
