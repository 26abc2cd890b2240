"""A seccomp filter that takes new processes and threads away from a worker.

Agent code has no use for ``fork``, ``clone`` or threads, and a worker that escaped its interpreter
would use them for fork bombs and for processes that outlive its kill. ``RLIMIT_NPROC`` cannot be
relied on (the kernel exempts root, and bubblewrap's namespace maps the sandbox's user back to
the host's), so the worker installs this filter on itself, after its limits and before any code:
``clone``, ``clone3``, ``fork`` and ``vfork`` fail with ``EPERM``; every other call is allowed.
The filter is a few BPF instructions for the kernel's own seccomp mechanism; it cannot be removed
(``no_new_privs`` is set first, as the kernel requires of an unprivileged filter).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import sys

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_NEW_PROCESS_CALLS = {"x86_64": (56, 57, 58, 435), "aarch64": (220, 435)}
"""clone, fork, vfork, clone3 (aarch64 has no fork or vfork)."""

_LOAD_WORD, _JUMP_IF_EQUAL, _JUMP_IF_AT_LEAST, _RETURN = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_X32_BIT = 0x40000000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def supported() -> bool:
    """Whether this platform can take the filter (Linux on x86_64 or aarch64)."""
    return sys.platform.startswith("linux") and platform.machine() in _NEW_PROCESS_CALLS


def program(machine: str) -> list[tuple[int, int, int, int]]:
    """The filter for ``machine`` as (code, jump if true, jump if false, value) instructions."""
    calls = _NEW_PROCESS_CALLS[machine]
    deny = 5 + len(calls) + 1  # index of the final "refuse" instruction
    instructions = [
        (_LOAD_WORD, 0, 0, 4),  # the calling convention's architecture
        (_JUMP_IF_EQUAL, 1, 0, _AUDIT_ARCH[machine]),
        (_RETURN, 0, 0, _ERRNO | errno.EPERM),  # another ABI: refuse every call
        (_LOAD_WORD, 0, 0, 0),  # the system call's number
        (_JUMP_IF_AT_LEAST, deny - 5, 0, _X32_BIT),  # x32 numbers: refused
    ]
    for index, number in enumerate(calls, start=5):
        instructions.append((_JUMP_IF_EQUAL, deny - index - 1, 0, number))
    instructions += [(_RETURN, 0, 0, _ALLOW), (_RETURN, 0, 0, _ERRNO | errno.EPERM)]
    return instructions


def forbid_new_processes() -> bool:
    """Install the filter on this process for good; False where the platform cannot."""
    if not supported():
        return False
    instructions = program(platform.machine())
    table = (_Instruction * len(instructions))(*(_Instruction(*row) for row in instructions))
    compiled = _Program(len(instructions), table)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(compiled), 0, 0) == 0
