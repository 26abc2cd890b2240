"""The outbox survives a down remote, drains after; destruction alerts; recovery."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestra.errors import ServiceError
from orchestra.services import CognitiveServices, ServicesSettings
from orchestra.services.remote import SqliteRemoteStore

pytestmark = pytest.mark.anyio


class TestSync:
    async def test_outbox_survives_down_remote_and_drains(
        self, services: CognitiveServices, remote_dir: Path
    ) -> None:
        """Writes succeed while the remote is down; nothing is lost; sync drains in batches later."""
        shutil.rmtree(remote_dir)
        ids = [(await services.create_memory(f"note {i}"))["memory_id"] for i in range(7)]
        status = await services.get_sync_status()
        assert status["queue_length"] == 7 and status["remote_reachable"] is False
        failed = await services.sync_now()
        assert failed["status"] == "remote_unreachable" and failed["pushed"] == 0 and failed["remaining"] == 7
        assert "unreachable" in (await services.get_sync_status())["last_error"]
        remote_dir.mkdir()
        done = await services.sync_now()
        assert done == {
            "status": "synced",
            "pushed": 7,
            "batches": 3,
            "batch_size": 3,
            "remaining": 0,
            "error": None,
            "forced": False,
        }
        status = await services.get_sync_status()
        assert (
            status["queue_length"] == 0 and status["remote_reachable"] and status["last_sync_at"] is not None
        )
        remote = SqliteRemoteStore(remote_dir / "remote.db")
        assert sorted(p["id"] for p in remote.fetch(None, None)) == sorted(ids)

    async def test_pause_and_resume(self, services: CognitiveServices) -> None:
        """Paused: nothing is pushed unless forced; resume drains."""
        paused = await services.pause_sync("backup window")
        assert paused["paused"] is True and paused["reason"] == "backup window"
        await services.create_memory("a")
        await services.create_memory("b")
        assert (await services.sync_now())["status"] == "paused"
        assert (await services.get_sync_status())["queue_length"] == 2
        forced = await services.sync_now(force=True, batch_size=1)
        assert forced["pushed"] == 2 and forced["batches"] == 2
        await services.create_memory("c")
        resumed = await services.resume_sync()
        assert resumed["paused"] is False and resumed["sync"]["pushed"] == 1 and resumed["queue_length"] == 0
        await services.pause_sync()
        await services.create_memory("d")
        assert (await services.resume_sync(process_queue=False))["queue_length"] == 1
        with pytest.raises(ServiceError, match="batch_size"):
            await services.sync_now(batch_size=0)

    async def test_no_remote_configured(self, tmp_path: Path) -> None:
        """Without a remote, writes queue, sync says so, and recovery refuses."""
        svc = CognitiveServices.open(ServicesSettings(store_path=str(tmp_path / "solo.db")))
        try:
            await svc.create_memory("x")
            result = await svc.sync_now()
            assert result["status"] == "no_remote" and result["remaining"] == 1
            assert (await svc.get_sync_status())["remote_configured"] is False
            with pytest.raises(ServiceError, match="needs a remote store"):
                await svc.bootstrap_recovery()
        finally:
            svc.close()

    async def test_destruction_alert_pauses_sync_and_acknowledges(self, services: CognitiveServices) -> None:
        """More than 3 deletions in the window raise an alert and stop deletes reaching the remote."""
        ids = [(await services.create_memory(f"keep {i}"))["memory_id"] for i in range(5)]
        await services.sync_now()
        calm = await services.check_destruction()
        assert calm["alert"] is False and calm["deletions_in_window"] == 0
        for memory_id in ids[:3]:
            await services.memory.delete(memory_id)
        assert (await services.check_destruction())["alert"] is False  # 3 is not more than 3
        await services.memory.delete(ids[3])
        alert = await services.check_destruction()
        assert alert["alert"] is True and alert["newly_raised"] is True and alert["deletions_in_window"] == 4
        assert alert["sync_paused"] is True and set(alert["details"]["sample_memory_ids"]) == set(ids[:4])
        assert (await services.sync_now())["status"] == "paused"
        status = await services.get_sync_status()
        assert status["destruction_alert"]["deletions"] == 4 and status["pause_reason"] == "destruction alert"
        ack = await services.acknowledge_destruction_alert()
        assert ack["acknowledged"] is True and ack["sync_resumed"] is True
        assert (await services.check_destruction())[
            "deletions_in_window"
        ] == 0  # counted from the acknowledgement
        assert (await services.acknowledge_destruction_alert())["acknowledged"] is False

    async def test_bootstrap_recovery_dry_run_then_real(self, services: CognitiveServices) -> None:
        """After a mass deletion that never reached the remote, recovery restores the lost memories."""
        ids = [
            (await services.create_memory(f"precious {i}", metadata={"project_id": "p"}))["memory_id"]
            for i in range(4)
        ]
        other = await services.create_memory("elsewhere", metadata={"project_id": "q"})
        await services.sync_now()
        await services.pause_sync("investigating")
        for memory_id in ids[:3]:
            await services.memory.delete(memory_id)
        dry = await services.bootstrap_recovery(project_id="p")
        assert dry["dry_run"] is True and dry["remote_memories"] == 4 and dry["missing_locally"] == 3
        assert dry["restored"] == 0 and sorted(dry["memory_ids"]) == sorted(ids[:3])
        assert await services.get_memory(ids[0]) is None
        real = await services.bootstrap_recovery(project_id="p", dry_run=False)
        assert real["restored"] == 3
        restored = await services.get_memory(ids[0])
        assert restored is not None and restored["content"] == "precious 0" and restored["project_id"] == "p"
        assert (await services.search_memories("precious", threshold=0.0))[0]["content"].startswith(
            "precious"
        )
        again = await services.bootstrap_recovery(dry_run=False)
        assert again["restored"] == 0 and again["already_present"] == 5
        assert (await services.bootstrap_recovery(since="2999-01-01"))["remote_memories"] == 0
        assert other["memory_id"] not in dry["memory_ids"]
        with pytest.raises(ServiceError, match="ISO 8601"):
            await services.bootstrap_recovery(since="last week")
