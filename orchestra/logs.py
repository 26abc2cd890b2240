"""Logging: one structlog chain, configured once at the entry point, quiet by default.

Library modules only call ``structlog.get_logger``; the CLI (or a researcher's script) calls
:func:`configure_logging`. Logs go to stderr so stdout stays clean for answers and JSON.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["console", "json"]


class _CurrentStderr:
    """Whatever ``sys.stderr`` is at write time, so redirecting it (tests, daemons) keeps working."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(fmt: LogFormat = "console", level: str = "warning", *, stdlib: bool = True) -> None:
    """Route structlog (and, with ``stdlib``, logging from litellm, mcp, httpx) to stderr at ``level``."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level '{level}'; valid: debug, info, warning, error")
    renderer: structlog.typing.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if fmt == "json"
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    if not stdlib:
        return
    # Records of the stdlib loggers (mcp, uvicorn, httpx, litellm) render like structlog's own
    # lines, so under "json" every stderr line is one JSON object.
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info if fmt == "json" else _keep,
                renderer,
            ],
        )
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), handlers=[handler], force=True)
    for noisy in ("LiteLLM", "litellm", "httpx", "mcp"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))


def _keep(logger: object, name: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    """No-op processor: the console renderer formats exceptions itself."""
    return event
