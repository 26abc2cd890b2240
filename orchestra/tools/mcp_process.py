"""Starting a stdio MCP server: its command checked, its environment minimal, its stderr kept.

Split from the bridge so the rules about a server *process* (what it may inherit, where its
stderr goes, which commands are refused before anything starts) live in one place.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO

import structlog

from orchestra.config import Config, McpServerConfig
from orchestra.errors import ToolError

log = structlog.get_logger(__name__)

PASSED_ENV = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TMPDIR", "TZ", "LANG", "LANGUAGE")
"""What any stdio server inherits (plus ``LC_*``): enough to run, no credentials."""

_OWN_MODULE = "orchestra.mcp_server"


class McpConfigError(ToolError):
    """The source's config is wrong (a command that cannot run, a tool it does not have): no retry helps."""


def is_orchestra_server(config: McpServerConfig) -> bool:
    """True for orchestra's own server, the only one with in-process twins of its tools.

    Own means: the command runs ``orchestra.mcp_server`` or ``orchestra mcp serve``, or the
    source is named ``orchestra`` (how a ``url`` source says it).
    """
    if config.name == "orchestra":
        return True
    if config.command is not None:
        words = config.command
        return _OWN_MODULE in words or (
            Path(words[0]).name == "orchestra" and words[1:3] == ["mcp", "serve"]
        )
    return False


def server_command(config: McpServerConfig) -> list[str]:
    """The command to run; a first word ``python`` means this interpreter."""
    assert config.command is not None
    first = sys.executable if config.command[0] == "python" else config.command[0]
    return [first, *config.command[1:]]


def check_command(config: McpServerConfig) -> None:
    """Refuse, before starting anything, a command that is missing, a directory or not executable.

    Raises:
        McpConfigError: naming the command and why it cannot run.
    """
    program = server_command(config)[0]
    cwd = Path(config.cwd) if config.cwd else Path.cwd()
    if os.sep in program:
        path = Path(program) if Path(program).is_absolute() else cwd / program
        if not path.exists():
            raise McpConfigError(f"command not found: {program}")
    else:
        found = shutil.which(program)
        if found is None:
            raise McpConfigError(f"command not found: {program} (not on PATH)")
        path = Path(found)
    if path.is_dir():
        raise McpConfigError(f"command {program} is a directory, not a program")
    if not os.access(path, os.X_OK):
        mode = stat.filemode(path.stat().st_mode)
        raise McpConfigError(f"command {program} is not executable (mode {mode}); chmod +x it or run it "
                             "through its interpreter, e.g. [python, script.py]")


def own_server_environment(config: Config) -> dict[str, str]:
    """What orchestra's own stdio server gets besides the minimal environment: this store's path.

    Foreign servers get none of it (nor any credential): see :func:`server_environment`.
    """
    from orchestra.store.location import resolve_store
    from orchestra.store.minds import MIND_ENV
    from orchestra.store.paths import STORE_ENV

    own = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        STORE_ENV: resolve_store(config.services.named_store).handed_on,
        MIND_ENV: config.services.mind,
    }
    # where this orchestra was imported from, so the server imports the same one
    own.update({key: os.environ[key] for key in ("PYTHONPATH", "VIRTUAL_ENV") if key in os.environ})
    return own


def server_environment(config: McpServerConfig, own: dict[str, str]) -> dict[str, str]:
    """A stdio server's whole environment: :data:`PASSED_ENV`, locale, its ``env:``; ``own`` for ours."""
    env = {key: value for key, value in os.environ.items() if key in PASSED_ENV or key.startswith("LC_")}
    if is_orchestra_server(config):
        env.update(own)
    env.update(config.env)
    return env


class StderrTap:
    """A pipe for a server's stderr: every line to the log at debug, the last lines kept for errors."""

    def __init__(self, label: str, keep: int = 20) -> None:
        self.label = label
        read_fd, write_fd = os.pipe()
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self.writer: IO[str] | None = os.fdopen(write_fd, "w")
        self.lines: deque[str] = deque(maxlen=keep)
        self.closed_at: float | None = None
        """``time.monotonic()`` when the server's stderr closed (it exited); None while it runs."""
        self._thread = threading.Thread(target=self._pump, name=f"mcp-stderr-{label}", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        with self._reader:
            for line in self._reader:
                line = line.rstrip()
                if line:
                    self.lines.append(line)
                    log.debug("mcp_server_stderr", server=self.label, line=line)
        self.closed_at = time.monotonic()

    def started(self) -> None:
        """Drop our copy of the write end once the child has its own, so EOF follows its exit."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()

    def said(self, wait_s: float = 1.0) -> str:
        """The server's last stderr lines, after giving a dying server ``wait_s`` to finish writing."""
        self.started()
        self._thread.join(timeout=wait_s)
        tail = list(self.lines)[-3:]
        return " | ".join(tail)
