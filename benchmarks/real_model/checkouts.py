"""The two checkouts measured: "before" (the code before issue 10) and "after" (this checkout).

The default before side is a git worktree at :data:`BEFORE_COMMIT`, created beside the main
checkout when absent; any other path can be given. A side is a name, a checkout and its knobs.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)

BEFORE_COMMIT = "5efe43f"
"""The last commit before issue 10's work."""

MAIN_REPO = Path("/work/main")
BEFORE_WORKTREE = Path("/work/before-wt")
HERE = Path(__file__).resolve().parents[2]
"""The checkout this benchmark runs from: the default after side."""


@dataclass(kw_only=True)
class Side:
    """One side of the comparison."""

    name: str
    checkout: Path
    knobs: dict[str, Any] = field(default_factory=dict)
    """Dotted key → value applied to the checkout's shipped config."""
    optional: dict[str, Any] = field(default_factory=dict)
    """Knobs in ``knobs`` that are dropped, with a note, when the checkout's schema refuses them."""
    notes: list[str] = field(default_factory=list)
    """What the report should say about this side (knobs dropped, sources changed)."""

    def drop_optional(self, why: str) -> None:
        """Run without the optional knobs, and say so."""
        self.notes.append(f"ran without {', '.join(self.optional)}: {why}")
        self.knobs = {key: value for key, value in self.knobs.items() if key not in self.optional}
        self.optional = {}

    def commit(self) -> str | None:
        """The checkout's HEAD commit, or None outside git."""
        done = subprocess.run(
            ["git", "-C", str(self.checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return done.stdout.strip() or None if done.returncode == 0 else None


def ensure_before_worktree(
    path: Path = BEFORE_WORKTREE, *, repo: Path = MAIN_REPO, commit: str = BEFORE_COMMIT
) -> Path:
    """The before checkout at ``path``: a worktree of ``repo`` at ``commit``, added when absent.

    Raises:
        RuntimeError: git could not add it.
    """
    if (path / "orchestra" / "cli.py").exists():
        return path
    done = subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(path), commit],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git worktree add {path} {commit} failed: {done.stderr.strip()}")
    log.info("before_worktree_added", path=str(path), commit=commit)
    return path
