"""Sync: drain the memory outbox to a remote store, guard against mass deletion, recover.

* Writes never wait for the remote: each memory write queues an outbox entry in its
  own transaction (see ``outbox``). ``sync_now`` pushes pending entries in batches of
  ``batch_size``; the first failing batch stops the run and stays queued.
* While paused, ``sync_now`` does nothing unless ``force``; entries keep queueing.
* Destruction: more than ``destruction_threshold`` deletions inside the last
  ``destruction_window_s`` seconds (only deletions after the last acknowledgement count)
  raise an alert and pause sync, so the deletions do not reach the remote while a
  human looks. Acknowledging clears the alert and resumes sync if the alert paused it.
* Recovery copies live remote memories missing locally back in, keeping their ids;
  ``dry_run`` (the default) only reports what it would restore. Pushed entries are
  pruned a day after they were written.
"""

from __future__ import annotations

from typing import Any

import structlog

from orchestra.errors import ServiceError
from orchestra.services import outbox
from orchestra.services._common import blocking, check_limit, iso, now, parse_time
from orchestra.services.memory import MemoryService
from orchestra.services.remote import RemoteStore
from orchestra.services.settings import SyncSettings
from orchestra.store import Store

log = structlog.get_logger(__name__)

_KEY = "sync"
_ALERT = "destruction_alert"
PRUNE_AFTER_S = 86400.0


class SyncService:
    """The outbox drain, destruction guard and recovery.

    Args:
        store: the migrated store.
        memory: memory service (recovery inserts through it).
        remote: the remote store, or ``None`` when none is configured.
        settings: batch size and destruction thresholds.
    """

    def __init__(
        self, store: Store, memory: MemoryService, remote: RemoteStore | None, settings: SyncSettings
    ) -> None:
        self.store = store
        self.memory = memory
        self.remote = remote
        self.settings = settings

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.store.get_state(_KEY, {})
        defaults = {
            "paused": False,
            "pause_reason": None,
            "paused_by_alert": False,
            "last_sync_at": None,
            "last_error": None,
            "last_attempt_at": None,
            "pushed_total": 0,
            "ack_at": None,
        }
        return {**defaults, **state}

    def _save(self, **changes: Any) -> dict[str, Any]:
        with self.store.transaction() as conn:
            state = {**self._state(), **changes}
            self.store.set_state(_KEY, state, conn)
        return state

    async def sync_now(self, force: bool = False, batch_size: int | None = None) -> dict[str, Any]:
        """Push pending outbox entries to the remote.

        Raises:
            ServiceError: batch_size is not a positive integer.
        """
        size = (
            self.settings.batch_size if batch_size is None else check_limit("batch_size", batch_size, 10_000)
        )
        return await blocking(self._sync, force, size)

    def _sync(self, force: bool, size: int) -> dict[str, Any]:
        state = self._state()
        if self.remote is None:
            return {
                "status": "no_remote",
                "message": "no remote store configured (set sync.remote_path)",
                "pushed": 0,
                "remaining": outbox.count_pending(self.store),
            }
        if state["paused"] and not force:
            return {
                "status": "paused",
                "reason": state["pause_reason"],
                "pushed": 0,
                "remaining": outbox.count_pending(self.store),
            }
        pushed, batches, error = 0, 0, None
        while True:
            records = outbox.pending(self.store, size)
            if not records:
                break
            try:
                self.remote.push(records)
            except Exception as exc:  # any remote failure leaves the batch queued
                error = str(exc)
                log.warning("sync.push_failed", error=error, pending=len(records))
                break
            outbox.mark_synced(self.store, [r["seq"] for r in records], now())
            pushed += len(records)
            batches += 1
        at = now()
        changes: dict[str, Any] = {
            "last_attempt_at": at,
            "last_error": error,
            "pushed_total": state["pushed_total"] + pushed,
        }
        if error is None:
            changes["last_sync_at"] = at
            outbox.prune(self.store, at - PRUNE_AFTER_S)
        self._save(**changes)
        return {
            "status": "remote_unreachable" if error else "synced",
            "pushed": pushed,
            "batches": batches,
            "batch_size": size,
            "remaining": outbox.count_pending(self.store),
            "error": error,
            "forced": force,
        }

    async def status(self) -> dict[str, Any]:
        """Queue length, last sync, paused flag, remote reachability and any alert."""

        def read() -> dict[str, Any]:
            state = self._state()
            reachable = bool(self.remote.ping()) if self.remote is not None else False
            return {
                "queue_length": outbox.count_pending(self.store),
                "oldest_pending_at": iso(outbox.oldest_pending(self.store)),
                "last_sync_at": iso(state["last_sync_at"]),
                "last_attempt_at": iso(state["last_attempt_at"]),
                "last_error": state["last_error"],
                "pushed_total": state["pushed_total"],
                "paused": state["paused"],
                "pause_reason": state["pause_reason"],
                "remote_configured": self.remote is not None,
                "remote_reachable": reachable,
                "destruction_alert": self.store.get_state(_ALERT, None),
            }

        return await blocking(read)

    async def pause(self, reason: str | None = None) -> dict[str, Any]:
        """Stop pushing; writes keep queueing."""
        state = await blocking(
            self._save, paused=True, pause_reason=reason or "paused by request", paused_by_alert=False
        )
        return {
            "paused": True,
            "reason": state["pause_reason"],
            "queue_length": await blocking(outbox.count_pending, self.store),
        }

    async def resume(self, process_queue: bool = True) -> dict[str, Any]:
        """Resume pushing and optionally drain the queue now."""
        await blocking(self._save, paused=False, pause_reason=None, paused_by_alert=False)
        result: dict[str, Any] = {"paused": False}
        if process_queue:
            result["sync"] = await self.sync_now()
        result["queue_length"] = await blocking(outbox.count_pending, self.store)
        return result

    async def check_destruction(self) -> dict[str, Any]:
        """Count recent deletions; above the threshold raise an alert and pause sync."""

        def run() -> dict[str, Any]:
            state = self._state()
            at = now()
            since = max(at - self.settings.destruction_window_s, state["ack_at"] or 0.0)
            deleted = outbox.deletions_since(self.store, since)
            alert = self.store.get_state(_ALERT, None)
            raised = False
            if len(deleted) > self.settings.destruction_threshold and alert is None:
                alert = {
                    "raised_at": iso(at),
                    "deletions": len(deleted),
                    "window_s": self.settings.destruction_window_s,
                    "threshold": self.settings.destruction_threshold,
                    "sample_memory_ids": deleted[:20],
                }
                with self.store.transaction() as conn:
                    self.store.set_state(_ALERT, alert, conn)
                if not state["paused"]:
                    self._save(paused=True, pause_reason="destruction alert", paused_by_alert=True)
                raised = True
                log.warning("sync.destruction_alert", deletions=len(deleted))
            return {
                "alert": alert is not None,
                "newly_raised": raised,
                "deletions_in_window": len(deleted),
                "threshold": self.settings.destruction_threshold,
                "window_s": self.settings.destruction_window_s,
                "details": alert,
                "sync_paused": self._state()["paused"],
            }

        return await blocking(run)

    async def acknowledge_destruction_alert(self) -> dict[str, Any]:
        """Clear the alert; resume sync if the alert paused it."""

        def run() -> dict[str, Any]:
            alert = self.store.get_state(_ALERT, None)
            if alert is None:
                return {
                    "acknowledged": False,
                    "message": "no destruction alert is active",
                    "sync_resumed": False,
                }
            state = self._state()
            with self.store.transaction() as conn:
                conn.execute("DELETE FROM kv WHERE mind = :mind AND key = ?", (_ALERT,))
            resumed = bool(state["paused_by_alert"])
            if resumed:
                self._save(paused=False, pause_reason=None, paused_by_alert=False, ack_at=now())
            else:
                self._save(ack_at=now())
            return {"acknowledged": True, "alert": alert, "sync_resumed": resumed}

        return await blocking(run)

    async def bootstrap_recovery(
        self, project_id: str | None = None, since: str | None = None, dry_run: bool = True
    ) -> dict[str, Any]:
        """Restore remote memories missing locally (report only when ``dry_run``).

        Raises:
            ServiceError: no remote configured, remote unreachable, or bad ``since``.
        """
        since_ts = parse_time(since, "since")
        if self.remote is None:
            raise ServiceError("bootstrap_recovery needs a remote store; set sync.remote_path")
        remote = self.remote

        def run() -> dict[str, Any]:
            records = remote.fetch(project_id, since_ts)
            ids = [r["id"] for r in records]
            present: set[str] = set()
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = self.store.query(
                    f"SELECT id FROM memories WHERE mind = :mind AND id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                present.update(r[0] for r in rows)
            missing = [r for r in records if r["id"] not in present]
            result = {
                "dry_run": dry_run,
                "project_id": project_id,
                "since": since,
                "remote_memories": len(records),
                "already_present": len(present),
                "missing_locally": len(missing),
                "memory_ids": [r["id"] for r in missing[:50]],
            }
            result["restored"] = 0 if dry_run else self.memory.restore(missing)
            return result

        return await blocking(run)
