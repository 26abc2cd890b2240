"""The no-fork seccomp filter: new processes and threads refused, everything else allowed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from orchestra.sandbox import seccomp

pytestmark = pytest.mark.skipif(not seccomp.supported(), reason="seccomp filters need Linux on x86_64/aarch64")


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_every_jump_lands_on_the_refusal(machine: str) -> None:
    program = seccomp.program(machine)
    deny = len(program) - 1
    for index, (code, if_true, if_false, _value) in enumerate(program):
        if code in (0x15, 0x35) and index > 1:  # the number checks jump to the last instruction
            assert index + 1 + if_true == deny
            assert if_false == 0
    assert program[-2][3] == 0x7FFF0000  # allow
    assert program[-1][3] & 0xFFFF0000 == 0x00050000  # errno


def test_a_filtered_process_cannot_fork_or_start_threads_but_works() -> None:
    script = textwrap.dedent(
        """
        import os, threading, json
        from orchestra.sandbox.seccomp import forbid_new_processes
        installed = forbid_new_processes()
        results = {"installed": installed}
        try:
            os.fork()
            results["fork"] = "forked"
        except OSError as failure:
            results["fork"] = failure.errno
        try:
            threading.Thread(target=print).start()
            results["thread"] = "started"
        except RuntimeError as failure:
            results["thread"] = str(failure)
        with open(os.devnull, "w") as sink:
            sink.write("still works")
        results["pid"] = os.getpid() > 0
        print(json.dumps(results))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip().endswith(
        '{"installed": true, "fork": 1, "thread": "can\'t start new thread", "pid": true}'
    )
