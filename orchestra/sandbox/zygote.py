"""The fork server inside the sandbox: imports the interpreter once, forks a worker per run.

Started once per host process (:class:`~orchestra.sandbox.process.Zygote`), inside bubblewrap
where it can run, importing the host's own copy of orchestra and calling :func:`main` with the
control socket's descriptor. ``spawn`` requests come with the socket the new worker will talk on
(passed as a file descriptor) and its settings; ``kill`` names a worker. Each worker is a fork:
its own session and scratch directory, not dumpable (siblings cannot read its memory), limited by
:func:`~orchestra.sandbox.limits.apply` before it reads any code. A fork costs milliseconds where
a fresh interpreter costs half a second, so a run's worker is always new.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import sys
from typing import Any

from orchestra.sandbox.guard import GuardedExecutor
from orchestra.sandbox.limits import Limits, apply
from orchestra.sandbox.protocol import Channel
from orchestra.sandbox.seccomp import forbid_new_processes
from orchestra.sandbox.worker import Worker, die_with_parent

PR_SET_DUMPABLE = 4
CONTROL_FRAME_BYTES = 1 << 20
NOBODY = 65534
"""The user a worker started as root becomes (outside bubblewrap, where no namespace maps it)."""


def _not_dumpable() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0)


def _become_worker(channel: socket.socket, settings: dict[str, Any], scratch: str) -> None:
    """The child's side of a fork: never returns."""
    code = 0
    try:
        os.setsid()
        die_with_parent()
        null = os.open(os.devnull, os.O_RDWR)  # the zygote's stderr is a host file: no worker may fill it
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        _not_dumpable()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.makedirs(scratch, exist_ok=True)
        os.chdir(scratch)
        worker = Worker(Channel(channel), settings)
        if os.getuid() == 0:
            _drop_root(scratch, list(worker.executor.authorized_imports))
        applied = apply(Limits.from_dict(settings["limits"]))
        no_fork = forbid_new_processes()
        ready = {"op": "ready", "pid": os.getpid(), "uid": os.getuid(), "rlimits": applied}
        worker.send({**ready, "no_fork": no_fork})
        worker.serve()
    except BaseException:  # a worker ends here whatever happened; the host sees its socket close
        code = 1
    finally:
        os._exit(code)


def _warm_up() -> None:
    """Run a little code once, so the interpreter's lazy first-use work is done before any fork."""
    warm = GuardedExecutor(["json", "math", "re"], timeout_seconds=None)
    warm.send_tools({})
    warm("import json\nvalues = [n * 2 for n in range(3)]\ntext = f'{json.dumps(values)}'\nlen(text)")


def _drop_root(scratch: str, imports: list[str]) -> None:
    """Become ``nobody``: root could signal every process and write every file of the host.

    The modules the code may import are imported first, while the interpreter's files (which may
    sit under a root-only home) can still be read.
    """
    import importlib

    for module in imports:
        if module != "*" and not module.endswith(".*"):
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
    os.chown(scratch, NOBODY, NOBODY)
    os.chmod(os.path.dirname(scratch), 0o711)
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


class Zygote:
    """The request loop."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.scratch = os.getcwd()
        self.children: dict[int, str] = {}

    def reply(self, message: dict[str, Any]) -> None:
        self.control.send(json.dumps(message).encode())

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            scratch = self.children.pop(pid, None)
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            self.reply({"op": "exited", "pid": pid, "status": os.waitstatus_to_exitcode(status)})

    def spawn(self, request: dict[str, Any], fds: list[int]) -> None:
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            self.reply({"op": "refused", "id": request.get("id"), "error": "a spawn passes one socket"})
            return
        channel = socket.socket(fileno=fds[0])
        scratch = os.path.join(self.scratch, f"worker-{request['id']}")
        try:
            pid = os.fork()
        except OSError as failure:
            channel.close()
            self.reply({"op": "refused", "id": request["id"], "error": f"cannot fork: {failure}"})
            return
        if pid == 0:
            self.control.close()
            _become_worker(channel, request["settings"], scratch)
        channel.close()
        self.children[pid] = scratch
        self.reply({"op": "spawned", "id": request["id"], "pid": pid})

    def kill(self, pid: Any) -> None:
        if isinstance(pid, int) and pid in self.children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def serve(self) -> None:
        self.control.settimeout(0.05)
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(self.control, CONTROL_FRAME_BYTES, 4)
            except TimeoutError:
                self.reap()
                continue
            if not data:
                return
            request = json.loads(data)
            if request["op"] == "spawn":
                self.spawn(request, fds)
            elif request["op"] == "kill":
                self.kill(request.get("pid"))
            self.reap()


def main(argv: list[str]) -> int:
    """Serve spawn requests on the control socket whose descriptor is ``argv[0]``."""
    die_with_parent()
    _not_dumpable()  # workers run as the same user: they may not read or trace the zygote either
    control = socket.socket(fileno=int(argv[0]))
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    _warm_up()
    gc.freeze()  # what exists now is shared with every fork: the collector must not touch (copy) it
    zygote = Zygote(control)
    zygote.reply({"op": "ready", "pid": os.getpid()})
    try:
        zygote.serve()
    finally:
        for pid in list(zygote.children):
            zygote.kill(pid)
    return 0

