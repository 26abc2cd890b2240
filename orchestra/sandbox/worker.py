"""The sandbox worker: runs one agent run's code, holding nothing worth reaching.

Forked by the zygote (:mod:`~orchestra.sandbox.zygote`), limited, then it serves messages from
the host (:mod:`~orchestra.sandbox.protocol`) until told to stop or its socket closes. Tools,
layers and ``final_answer`` are stubs here: calling one sends its name and plain arguments to the
host, which validates them, runs the real tool and sends back plain data.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from orchestra.sandbox.guard import GuardedExecutor
from orchestra.sandbox.limits import cut_output
from orchestra.sandbox.protocol import Channel, ProtocolError, plain


class ToolError(Exception):
    """A tool or layer failed on the host; the message is the host's."""


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent goes (the host for the zygote, the
    zygote for a worker; bubblewrap does it too, a bare process needs it itself)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


class Worker:
    """The message loop; one instance per process."""

    def __init__(self, channel: Channel, settings: dict[str, Any]) -> None:
        self.channel = channel
        self.output_chars = int(settings["limits"]["output_kb"]) * 1024
        self.executor = GuardedExecutor(
            settings["imports"], max_print_outputs_length=self.output_chars, timeout_seconds=None
        )
        self.executor.send_tools({})

    def send(self, message: dict[str, Any]) -> None:
        self.channel.send(message)

    def receive(self) -> dict[str, Any]:
        message = self.channel.receive()
        assert message is not None  # no timeout: a message or an error
        return message

    def stub(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.send({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})
            reply = self.receive()
            if reply["op"] == "returned":
                return reply.get("value")
            raise ToolError(str(reply.get("error", "the host refused the call")))

        return call

    def serve(self) -> None:
        while True:
            try:
                message = self.receive()
            except (EOFError, ProtocolError):
                return
            op = message["op"]
            if op == "tools":
                self.executor.send_tools({name: self.stub(name) for name in message["names"]})
            elif op == "variables":
                self.executor.send_variables(dict(message["values"]))
            elif op == "run":
                self.run(str(message["code"]))
            elif op == "exit":
                return

    def run(self, code: str) -> None:
        try:
            result = self.executor(code)
        except Exception as failure:  # the agent's own error: reported, the worker lives on
            logs = str(self.executor.state.get("_print_outputs", ""))
            self.send({"op": "failed", "error": cut_output(str(failure), self.output_chars), "logs": logs})
            return
        try:
            output = plain(result.output)
            if len(json.dumps(output)) > self.output_chars:
                output = cut_output(repr(result.output), self.output_chars)
        except Exception as failure:  # a result that cannot be sent is the code's error, not the worker's
            self.send({"op": "failed", "error": f"the step's result cannot be sent: {failure!r}", "logs": ""})
            return
        self.send(
            {
                "op": "done",
                "output": output,
                "logs": cut_output(result.logs, self.output_chars),
                "final": result.is_final_answer,
            }
        )
