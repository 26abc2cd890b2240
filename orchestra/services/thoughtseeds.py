"""ThoughtSeeds: candidate contents competing, per layer, for the global workspace.

A new seed starts at activation 0.5, status ``pending``. A competition at a layer takes
every ``pending``/``competing`` seed of one kind there: the highest activation wins
(ties go to the older seed), the others lose, and the competition energy is the sum
of the participants' activations. Seeds made by mental-model predictions have kind
``prediction`` and compete only in the prediction competition, so the two
competitions never consume each other's seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_choice, check_object, dumps, iso, loads, new_id, now
from orchestra.services.vocabulary import LAYERS
from orchestra.store import Record, Session, Store

INITIAL_ACTIVATION = 0.5


def seed_view(row: Record) -> dict[str, Any]:
    """JSON form of a thoughtseed."""
    return {
        "thoughtseed_id": row["id"],
        "layer": row["layer"],
        "kind": row["kind"],
        "neuronal_packet": loads(row["neuronal_packet"], {}),
        "memory_id": row["memory_id"],
        "model_id": row["model_id"],
        "prediction_id": row["prediction_id"],
        "activation": round(float(row["activation"]), 4),
        "status": row["status"],
        "competition_id": row["competition_id"],
        "created_at": iso(row["created_at"]),
    }


@dataclass(kw_only=True)
class Outcome:
    """What one competition decided."""

    competition_id: str
    layer: str
    winner: Record | None
    losers: list[Record]
    energy: float


class ThoughtseedService:
    """Create thoughtseeds and run competitions.

    Args:
        store: the migrated store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def insert_in(
        self,
        conn: Session,
        *,
        layer: str,
        packet: dict[str, Any],
        activation: float = INITIAL_ACTIVATION,
        kind: str = "general",
        memory_id: str | None = None,
        model_id: str | None = None,
        prediction_id: str | None = None,
    ) -> Record:
        """Insert a pending seed inside the caller's transaction."""
        seed_id = new_id()
        conn.execute(
            "INSERT INTO thoughtseeds(mind, id, layer, kind, neuronal_packet, memory_id, "
            "model_id, prediction_id, "
            "activation, status, created_at) VALUES (:mind, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            (seed_id, layer, kind, dumps(packet), memory_id, model_id, prediction_id, activation, now()),
        )
        row: Record = conn.execute(
            "SELECT * FROM thoughtseeds WHERE mind = :mind AND id = ?", (seed_id,)
        ).fetchone()
        return row

    async def create(
        self, layer: str, neuronal_packet: dict[str, Any], memory_id: str | None = None
    ) -> dict[str, Any]:
        """Create a pending seed at a layer, optionally grounded in a memory.

        Raises:
            ServiceError: unknown layer, packet not an object, or unknown memory id.
        """
        check_choice("layer", layer, LAYERS)
        packet = check_object("neuronal_packet", neuronal_packet)

        def write() -> Record:
            with self.store.transaction() as conn:
                if (
                    memory_id is not None
                    and conn.execute(
                        "SELECT 1 FROM memories WHERE mind = :mind AND id = ?", (memory_id,)
                    ).fetchone()
                    is None
                ):
                    raise ServiceError(f"no memory with id {memory_id!r}")
                return self.insert_in(conn, layer=layer, packet=packet, memory_id=memory_id)

        return seed_view(await blocking(write))

    def compete_in(self, conn: Session, layer: str, kind: str) -> Outcome:
        """Decide one competition inside the caller's transaction."""
        rows = conn.execute(
            "SELECT * FROM thoughtseeds WHERE mind = :mind AND layer = ? AND kind = ? AND "
            "status IN ('pending', 'competing') "
            "ORDER BY activation DESC, created_at ASC, seq ASC",
            (layer, kind),
        ).fetchall()
        competition_id = new_id()
        energy = float(sum(float(r["activation"]) for r in rows))
        winner = rows[0] if rows else None
        losers = rows[1:]
        if winner is not None:
            conn.execute(
                "UPDATE thoughtseeds SET status = 'won', competition_id = ? WHERE mind = :mind AND id = ?",
                (competition_id, winner["id"]),
            )
            conn.executemany(
                "UPDATE thoughtseeds SET status = 'lost', competition_id = ? WHERE mind = :mind AND id = ?",
                [(competition_id, r["id"]) for r in losers],
            )
        conn.execute(
            "INSERT INTO competitions(mind, id, layer, kind, winner_id, "
            "winner_model_id, participants, energy, created_at) "
            "VALUES (:mind, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                competition_id,
                layer,
                kind,
                winner["id"] if winner else None,
                winner["model_id"] if winner else None,
                len(rows),
                energy,
                now(),
            ),
        )
        return Outcome(
            competition_id=competition_id, layer=layer, winner=winner, losers=losers, energy=energy
        )

    async def compete(self, layer: str) -> dict[str, Any]:
        """Run the general competition at a layer.

        Raises:
            ServiceError: unknown layer.
        """
        check_choice("layer", layer, LAYERS)

        def write() -> Outcome:
            with self.store.transaction() as conn:
                return self.compete_in(conn, layer, "general")

        return outcome_view(await blocking(write))


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    """JSON form of a competition's result."""
    winner = (  # the row was read before the competition marked it
        dict(seed_view(outcome.winner), status="won", competition_id=outcome.competition_id)
        if outcome.winner is not None
        else None
    )
    return {
        "competition_id": outcome.competition_id,
        "layer": outcome.layer,
        "participants": (1 if outcome.winner is not None else 0) + len(outcome.losers),
        "winner": winner,
        "loser_ids": [r["id"] for r in outcome.losers],
        "competition_energy": round(outcome.energy, 4),
        "message": None if winner else f"no pending thoughtseeds at layer {outcome.layer!r}",
    }
