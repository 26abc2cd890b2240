"""Slot scheduler of the model server: how many requests it serves at once, and each slot's prompt cache.

A local inference server started with ``--parallel N`` (llama.cpp) has N slots: it serves at most N
requests at once and queues the rest, first come first served. Each slot keeps the prompt it last
processed; a new prompt that starts with the same tokens skips their prefill. A queued request goes to
the free slot whose cache shares the longest prefix with its prompt (ties: the lowest slot), like
llama.cpp's slot selection, so an agent's growing conversation keeps landing on its warm slot.

Without a slot count the scheduler admits everyone at once and caches nothing (the server's default,
a hosted API as far as latency goes); either way it counts how many requests are being served, so a
test can see the peak.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from benchmarks.server.openai_format import common_prefix_length

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Lease:
    """A request's hold on the server while it is being served.

    Attributes:
        slot: Index of the slot serving it; None on a server without slots.
        cached_tokens: Leading prompt tokens the slot's cache already held (0 without slots).
        served_at: ``time.monotonic()`` when service began: the arrival time when the request found a
            free slot, else the moment a slot freed up for it.
    """

    slot: int | None
    cached_tokens: int
    served_at: float


class SlotScheduler:
    """Admits requests to a fixed number of slots in FIFO order, or to unlimited ones; thread-safe.

    Args:
        slots: How many requests are served at once; None for no limit (and no prompt cache).

    Raises:
        ValueError: If ``slots`` is less than 1.
    """

    def __init__(self, slots: int | None = None) -> None:
        if slots is not None and slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        self._slots = slots
        self._busy = [False] * (slots or 0)
        self._caches: list[tuple[int, ...]] = [() for _ in range(slots or 0)]
        self._queue: deque[object] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._in_flight = 0
        self._max_in_flight = 0

    @property
    def slots(self) -> int | None:
        """The slot count; None when unlimited."""
        return self._slots

    @property
    def caches_prompts(self) -> bool:
        """Whether slots keep a prompt cache (only a server with slots does)."""
        return self._slots is not None

    @property
    def in_flight(self) -> int:
        """Requests being served right now (waiting ones excluded)."""
        with self._cond:
            return self._in_flight

    @property
    def queued(self) -> int:
        """Requests waiting for a free slot right now."""
        with self._cond:
            return len(self._queue)

    @property
    def max_in_flight(self) -> int:
        """The most requests ever served at once (since creation or :meth:`reset_peak`)."""
        with self._cond:
            return self._max_in_flight

    def reset_peak(self) -> None:
        """Restart the peak count from the requests being served now."""
        with self._cond:
            self._max_in_flight = self._in_flight

    def acquire(self, prompt_ids: Sequence[int], arrived: float) -> Lease | None:
        """Wait for a slot (FIFO) and take it; on an unlimited scheduler, take one at once.

        Args:
            prompt_ids: The prompt's tokens (:func:`~benchmarks.server.openai_format.prompt_token_ids`),
                compared with the slots' caches; ignored without slots.
            arrived: ``time.monotonic()`` when the request arrived, the start of service if no wait.

        Returns:
            The lease to hand back to :meth:`release`, or None if the scheduler was closed (the
            server is stopping) while the request waited.
        """
        with self._cond:
            if self._closed:
                return None
            if self._slots is None:
                return self._admit(Lease(slot=None, cached_tokens=0, served_at=arrived))
            ticket = object()
            self._queue.append(ticket)
            waited = False
            while not self._closed and (self._queue[0] is not ticket or all(self._busy)):
                waited = True
                self._cond.wait()
            self._queue.remove(ticket)
            if self._closed:
                return None
            tokens = tuple(prompt_ids)
            slot = max(
                (i for i, busy in enumerate(self._busy) if not busy),
                key=lambda i: (common_prefix_length(self._caches[i], tokens), -i),
            )
            cached = common_prefix_length(self._caches[slot], tokens)
            self._busy[slot] = True
            self._caches[slot] = tokens
            self._cond.notify_all()  # the next in line may fit into another free slot
            served_at = time.monotonic() if waited else arrived
            log.debug("model_server.slot_assigned", slot=slot, cached_tokens=cached, waited=waited)
            return self._admit(Lease(slot=slot, cached_tokens=cached, served_at=served_at))

    def _admit(self, lease: Lease) -> Lease:
        """Count the request as served; the caller holds the lock."""
        self._in_flight += 1
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        return lease

    def release(self, lease: Lease) -> None:
        """Hand a slot back once the response is written (or abandoned).

        Args:
            lease: What :meth:`acquire` returned.
        """
        with self._cond:
            self._in_flight -= 1
            if lease.slot is not None:
                self._busy[lease.slot] = False
                self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiting request with no slot, for a server that is stopping."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
