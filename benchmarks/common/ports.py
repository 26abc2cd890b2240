"""Loopback ports for servers the benchmarks and tests start: a free one, and waiting for a listener."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> bool:
    """Wait until something accepts connections on loopback ``port``.

    Returns:
        True once it listens; False when ``timeout_s`` passed or ``process`` exited first.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
