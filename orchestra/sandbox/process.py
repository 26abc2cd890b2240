"""Sandbox workers seen from the host: the zygote that forks them, and one worker's handle.

One :class:`Zygote` per isolation per host process (started on first use, restarted if it dies)
forks every worker; a :class:`WorkerProcess` is one forked worker's socket, pid and fate. The
zygote is started from one long-lived thread (:func:`_spawn`) because the kernel's
die-with-parent signal, which bubblewrap and the bare zygote rely on, fires when the *thread*
that started a process exits, and layer threads come and go.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import IO, Any

from orchestra.sandbox import protocol
from orchestra.sandbox.isolation import Isolation, worker_environment
from orchestra.sandbox.limits import Limits

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""The directory this orchestra was imported from: the zygote imports the same one (``-I`` ignores
``PYTHONPATH``, so ``-m`` alone could find another, installed copy)."""

_ZYGOTE_MAIN = (
    "import sys; sys.path.insert(0, sys.argv[1]); from orchestra.sandbox.zygote import main; "
    "sys.exit(main(sys.argv[2:]))"
)

START_TIMEOUT_S = 30.0
"""How long the zygote may take to import the interpreter, and a fork to say it is ready."""

SEND_TIMEOUT_S = 10.0
"""How long a worker may leave a message to it unread before it is taken for dead."""

_requests: queue.SimpleQueue[tuple[Future[subprocess.Popen[bytes]], dict[str, Any]]] = queue.SimpleQueue()
_spawner_lock = threading.Lock()
_spawner: threading.Thread | None = None


def _serve_spawns() -> None:
    while True:
        future, options = _requests.get()
        try:
            future.set_result(subprocess.Popen(**options))
        except BaseException as failure:  # handed to the caller, who reports it
            future.set_exception(failure)


def _spawn(**options: Any) -> subprocess.Popen[bytes]:
    global _spawner
    with _spawner_lock:
        if _spawner is None or not _spawner.is_alive():
            _spawner = threading.Thread(target=_serve_spawns, name="orchestra-sandbox-spawner", daemon=True)
            _spawner.start()
    future: Future[subprocess.Popen[bytes]] = Future()
    _requests.put((future, options))
    return future.result()


class WorkerFailure(Exception):
    """A worker could not start, died, or broke the protocol; it has been killed."""


class Zygote:
    """The host's handle on one fork server (see :mod:`orchestra.sandbox.zygote`)."""

    def __init__(self, isolation: Isolation) -> None:
        self.isolation = isolation
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        self.scratch: str | None = None
        cwd = None
        if isolation.mechanism == "bubblewrap":
            env: dict[str, str] = {}
        else:
            sweep_scratch()
            self.scratch = cwd = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
            env = worker_environment(self.scratch)
        # lives as long as the zygote, which writes to it only if it fails (workers write to /dev/null)
        self.stderr: IO[bytes] = tempfile.TemporaryFile(prefix="orchestra-zygote-")  # noqa: SIM115
        python = [sys.executable, "-I", "-c", _ZYGOTE_MAIN, PACKAGE_ROOT, str(theirs.fileno())]
        command = [*isolation.prefix, *python]
        try:
            self.process = _spawn(
                args=command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
                env=env,
                cwd=cwd,
                start_new_session=True,
                pass_fds=(theirs.fileno(),),
            )
        except OSError as failure:
            ours.close()
            raise WorkerFailure(f"the sandbox could not be started: {failure}") from None
        finally:
            theirs.close()
        self._write = threading.Lock()
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self.exits: OrderedDict[int, int] = OrderedDict()
        """Exit codes of recent workers by pid (bounded), as the zygote reaps them."""
        self._exited = threading.Condition()
        self._ids = iter(range(1, sys.maxsize))
        self.dead: str | None = None
        self._reader = threading.Thread(target=self._read, name="orchestra-zygote-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            try:
                self._handle(json.loads(data))
            except (ValueError, KeyError, TypeError, AttributeError):  # not the zygote's own words
                break
        self.dead = self.dead or f"the sandbox's zygote ended{self._stderr_tail()}"
        for future in list(self._pending.values()):
            if not future.done():
                future.set_result({"op": "refused", "error": self.dead})
        with self._exited:
            self._exited.notify_all()

    def _handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op in {"spawned", "refused"}:
            future = self._pending.pop(int(message["id"]), None)
            if future is not None:
                future.set_result(message)
        elif op == "exited":
            with self._exited:
                self.exits[int(message["pid"])] = int(message["status"])
                while len(self.exits) > 1000:
                    self.exits.popitem(last=False)
                self._exited.notify_all()

    def _stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            lines = self.stderr.read()[-400:].decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return f" ({lines[-1]})" if lines else ""

    def alive(self) -> bool:
        return self.dead is None and self.process.poll() is None

    def spawn(self, settings: dict[str, Any]) -> tuple[Future[dict[str, Any]], socket.socket]:
        """Ask for a worker with ``settings`` without waiting: the zygote's answer to come (its pid,
        or why not) and the host's end of the worker's socket."""
        if self.dead is not None:
            raise WorkerFailure(self.dead)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        request_id = next(self._ids)
        future: Future[dict[str, Any]] = Future()
        self._pending[request_id] = future
        message = json.dumps({"op": "spawn", "id": request_id, "settings": settings}).encode()
        try:
            with self._write:
                socket.send_fds(self.control, [message], [theirs.fileno()])
        except OSError as broken:
            self._pending.pop(request_id, None)
            ours.close()
            self.dead = f"the sandbox's zygote cannot be reached ({broken})"
            raise WorkerFailure(self.dead) from None
        finally:
            theirs.close()
        return future, ours

    def kill(self, pid: int) -> None:
        """Kill a worker's process group (no answer: its socket closes)."""
        try:
            with self._write:
                self.control.send(json.dumps({"op": "kill", "pid": pid}).encode())
        except OSError:
            pass

    def exit_code(self, pid: int, wait_s: float) -> int | None:
        """The worker's exit code once reaped, waiting up to ``wait_s``."""
        deadline = time.monotonic() + wait_s
        with self._exited:
            while pid not in self.exits and self.alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._exited.wait(left)
            return self.exits.pop(pid, None)

    def close(self) -> None:
        """Kill the zygote and every worker (its namespace, or its children's deaths, take them)."""
        self.dead = self.dead or "the sandbox's zygote was closed"
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.control.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


_zygotes: dict[tuple[str, ...], Zygote] = {}
_zygotes_lock = threading.Lock()

SCRATCH_PREFIX = "orchestra-sandbox-"
"""Scratch directories (rlimits mode) are ``orchestra-sandbox-<host pid>-<random>`` in the temp dir."""


def close_all() -> None:
    """Close every zygote of this process, removing their scratch directories.

    Called at exit (the CLI, which skips the interpreter's teardown, calls it itself).
    """
    with _zygotes_lock:
        zygotes = list(_zygotes.values())
        _zygotes.clear()
    for zygote in zygotes:
        zygote.close()


def sweep_scratch() -> int:
    """Remove the scratch directories of host processes that no longer run; returns how many.

    A host killed outright (SIGKILL, a crash) cannot remove its own; without this, each such
    run would leave one behind in the temp directory for good.
    """
    removed = 0
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        owner = path.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or _running(int(owner)):
            continue  # not one of ours by name, or its host still runs
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


atexit.register(close_all)


def zygote_for(isolation: Isolation) -> Zygote:
    """This process's zygote for ``isolation``, started or restarted as needed."""
    key = (isolation.mechanism, *isolation.prefix)
    with _zygotes_lock:
        zygote = _zygotes.get(key)
        if zygote is None or not zygote.alive():
            if zygote is not None:
                zygote.close()
            zygote = _zygotes[key] = Zygote(isolation)
        return zygote


class WorkerProcess:
    """One forked worker; :meth:`ready` waits until it has limited itself and said so."""

    def __init__(self, isolation: Isolation, limits: Limits, imports: tuple[str, ...]) -> None:
        """Ask the zygote for a worker and return at once: it forks while the caller goes on."""
        settings = {"limits": limits.to_dict(), "imports": list(imports)}
        self.zygote = zygote_for(isolation)
        try:
            self._spawned, channel = self.zygote.spawn(settings)
        except WorkerFailure:  # it had just died (its death not yet noticed): its successor
            self.zygote.close()
            self.zygote = zygote_for(isolation)
            self._spawned, channel = self.zygote.spawn(settings)
        self._channel = protocol.Channel(channel)
        self.info: dict[str, Any] | None = None
        self.used = False
        """Whether it was given code (a used worker never serves another run)."""
        self._killed = False

    @property
    def pid(self) -> int:
        """The worker's pid in the sandbox, once the zygote has forked it.

        Raises:
            WorkerFailure: the zygote could not fork (it is then replaced, and a fork bomb's
                processes die with it) or did not answer.
        """
        try:
            reply = self._spawned.result(START_TIMEOUT_S)
        except FutureTimeout:
            self.zygote.close()
            raise WorkerFailure(f"the sandbox did not fork a worker within {START_TIMEOUT_S:.0f} s") from None
        if reply["op"] != "spawned":
            self.zygote.close()
            self._channel.close()
            raise WorkerFailure(f"no sandbox worker could be started: {reply.get('error')}")
        return int(reply["pid"])

    def ready(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
        """Wait for the worker's ready message (its pid, uid and the limits it set)."""
        if self.info is None:
            self.pid  # noqa: B018 - raises when the fork failed
            message = self.receive(timeout)
            if message is None:
                self.kill()
                raise WorkerFailure(f"the sandbox worker did not start within {timeout:.0f} s")
            if message["op"] != "ready":
                self.kill()
                raise WorkerFailure(f"the sandbox worker started with '{message['op']}' instead of ready")
            self.info = message
        return self.info

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._channel.send(message, SEND_TIMEOUT_S)
        except OSError as broken:
            raise WorkerFailure(self._death(f"could not be written to ({broken})")) from None

    def receive(self, timeout: float | None) -> dict[str, Any] | None:
        """The worker's next message, or None when it sent none within ``timeout`` seconds."""
        try:
            return self._channel.receive(timeout)
        except EOFError:
            raise WorkerFailure(self._death("ended")) from None
        except (protocol.ProtocolError, OSError) as broken:
            self.kill()
            raise WorkerFailure(f"the sandbox worker broke the protocol ({broken}) and was killed") from None

    def _death(self, what: str) -> str:
        code = self.zygote.exit_code(self.pid, 1.0)
        self.kill()
        cause = exit_cause(code)
        return f"the sandbox worker {what}{f': {cause}' if cause else ''}"

    def alive(self) -> bool:
        return not self._killed and not self._channel.closed and self.zygote.alive()

    def kill(self) -> None:
        """Kill the worker's process group (now, or once forked) and close its socket."""
        if not self._killed:
            self._killed = True
            zygote = self.zygote

            def kill_forked(spawned: Future[dict[str, Any]]) -> None:
                reply = spawned.result()
                if reply["op"] == "spawned":
                    zygote.kill(int(reply["pid"]))

            self._spawned.add_done_callback(kill_forked)
            self._channel.close()


_SIGNAL_CAUSES = {
    9: "killed (SIGKILL)",
    24: "it used its CPU time (agents.limits.cpu_s)",
    25: "it wrote a file over the size limit",
    11: "it crashed (SIGSEGV)",
}


def exit_cause(code: int | None) -> str:
    """Why a worker with this exit code (negative: the signal) ended, in words."""
    if code is None or code == 0:
        return ""
    if code < 0:
        return _SIGNAL_CAUSES.get(-code, f"signal {-code}")
    return f"exit code {code}"
