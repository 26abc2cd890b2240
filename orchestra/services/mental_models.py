"""Mental models: named structures over basins that make predictions and learn from error.

* Accuracy of a prediction is ``1 - error`` (error in 0..1). A model's ``accuracy`` is
  the mean over predictions made since its last structural revision (a revision is a
  new hypothesis, so it starts a new record); ``lifetime_accuracy`` spans all of them.
  A model whose accuracy falls below 0.5 is flagged ``revision_needed``; revising
  clears the flag. A draft model becomes active when its first prediction is resolved;
  a revision that leaves no basins deprecates it.
* Prediction confidence is the Laplace-smoothed accuracy of the current structure,
  ``(sum of accuracies + 1) / (resolved + 2)``: 0.5 with no history, moving towards the
  observed accuracy as evidence accumulates.
* ``generate_prediction`` fills the template whose trigger (or text) shares most words
  with the context (ties prefer a template without a trigger, then the earlier one);
  ``{key}`` placeholders take context values. With no templates the
  model predicts that its basins stay engaged. It also creates a prediction thoughtseed
  at the domain's layer with activation ``min(1, confidence x 1.2)``.
* A prediction expires 24 h after it was made: it can no longer be resolved and its
  thoughtseed no longer competes. A revision's ``accuracy_after`` is filled in as
  predictions made after it are resolved.
"""

from __future__ import annotations

import re
from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import (
    blocking,
    check_choice,
    check_limit,
    check_object,
    check_text,
    check_unit,
    dumps,
    iso,
    loads,
    new_id,
    now,
)
from orchestra.services.basins import BasinService
from orchestra.services.thoughtseeds import ThoughtseedService, outcome_view
from orchestra.services.vocabulary import DOMAIN_LAYER, LAYERS, MODEL_DOMAINS, MODEL_STATUSES
from orchestra.store import Record, Session, Store

PREDICTION_TTL_S = 24 * 3600.0
REVISION_THRESHOLD = 0.5
_WORD = re.compile(r"[^\W_]+")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _words(value: Any) -> set[str]:
    return set(_WORD.findall(str(value).lower()))


def _ids(name: str, value: object, *, optional: bool = False) -> list[str]:
    if value is None and optional:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ServiceError(f"{name} must be a list of non-empty basin id strings, got {value!r}")
    return list(dict.fromkeys(value))


def _templates(value: object) -> list[dict[str, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ServiceError("prediction_templates must be a list of strings or {trigger, prediction} objects")
    out: list[dict[str, str | None]] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append({"trigger": None, "prediction": item})
        elif isinstance(item, dict) and isinstance(item.get("prediction") or item.get("predict"), str):
            trigger = item.get("trigger")
            out.append(
                {
                    "trigger": str(trigger) if trigger else None,
                    "prediction": str(item.get("prediction") or item.get("predict")),
                }
            )
        else:
            raise ServiceError(
                f"invalid prediction template {item!r}; use a string or {{trigger, prediction}}"
            )
    return out


class MentalModelService:
    """Models, their predictions, revisions and prediction competitions.

    Args:
        store: the migrated store.
        basins: basin service (models reference basins; winners activate them).
        seeds: thoughtseed service (predictions become thoughtseeds).
    """

    def __init__(self, store: Store, basins: BasinService, seeds: ThoughtseedService) -> None:
        self.store = store
        self.basins = basins
        self.seeds = seeds

    # -- reading ------------------------------------------------------------------------

    def _row(self, conn: Session, model_id: str) -> Record:
        row: Record | None = conn.execute(
            "SELECT * FROM mental_models WHERE mind = :mind AND id = ?", (model_id,)
        ).fetchone()
        if row is None:
            raise ServiceError(f"no mental model with id {model_id!r}")
        return row

    @staticmethod
    def _stats(conn: Session, model_id: str, since: float | None) -> tuple[int, float]:
        sql = (
            "SELECT count(*), coalesce(sum(1.0 - error), 0) FROM predictions "
            "WHERE mind = :mind AND model_id = ? AND resolved_at IS NOT NULL"
        )
        params: list[Any] = [model_id]
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(since)
        n, total = conn.execute(sql, params).fetchone()
        return int(n), float(total)

    def _view(self, conn: Session, row: Record) -> dict[str, Any]:
        n, total = self._stats(conn, row["id"], row["structure_since"])
        life_n, life_total = self._stats(conn, row["id"], None)
        counts = conn.execute(
            "SELECT count(*), sum(CASE WHEN resolved_at IS NULL AND expires_at >= ? THEN 1 ELSE 0 END) "
            "FROM predictions WHERE mind = :mind AND model_id = ?",
            (now(), row["id"]),
        ).fetchone()
        revisions = conn.execute(
            "SELECT count(*) FROM model_revisions WHERE mind = :mind AND model_id = ?", (row["id"],)
        ).fetchone()
        return {
            "model_id": row["id"],
            "name": row["name"],
            "domain": row["domain"],
            "layer": DOMAIN_LAYER[row["domain"]],
            "description": row["description"],
            "basin_ids": loads(row["basin_ids"], []),
            "prediction_templates": loads(row["prediction_templates"], []),
            "status": row["status"],
            "accuracy": round(total / n, 4) if n else None,
            "resolved_predictions": n,
            "lifetime_accuracy": round(life_total / life_n, 4) if life_n else None,
            "prediction_count": int(counts[0]),
            "pending_predictions": int(counts[1] or 0),
            "confidence": round((total + 1) / (n + 2), 4),
            "revision_needed": bool(row["revision_needed"]),
            "revision_count": int(revisions[0]),
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        }

    async def list_models(
        self, domain: str | None = None, status: str | None = None, limit: int = 20, offset: int = 0
    ) -> dict[str, Any]:
        """A page of models, newest first, with the total matching.

        Raises:
            ServiceError: unknown domain/status, bad limit or offset.
        """
        if domain is not None:
            check_choice("domain", domain, MODEL_DOMAINS)
        if status is not None:
            check_choice("status", status, MODEL_STATUSES)
        check_limit("limit", limit)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ServiceError(f"offset must be a non-negative integer, got {offset!r}")

        def read() -> dict[str, Any]:
            with self.store.reading() as conn:
                where, params = " WHERE mind = :mind", []
                if domain is not None:
                    where += " AND domain = ?"
                    params.append(domain)
                if status is not None:
                    where += " AND status = ?"
                    params.append(status)
                total = conn.execute(f"SELECT count(*) FROM mental_models{where}", params).fetchone()[0]
                rows = conn.execute(
                    f"SELECT * FROM mental_models{where} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ).fetchall()
                return {
                    "models": [self._view(conn, r) for r in rows],
                    "total": int(total),
                    "limit": limit,
                    "offset": offset,
                }

        return await blocking(read)

    async def get(
        self, model_id: str, include_predictions: bool = False, include_revisions: bool = False
    ) -> dict[str, Any]:
        """One model, optionally with its last 20 predictions and all revisions.

        Raises:
            ServiceError: unknown model id.
        """
        check_text("model_id", model_id)

        def read() -> dict[str, Any]:
            with self.store.reading() as conn:
                view = self._view(conn, self._row(conn, model_id))
                if include_predictions:
                    rows = conn.execute(
                        "SELECT * FROM predictions WHERE mind = :mind AND model_id = ? ORDER "
                        "BY created_at DESC LIMIT 20",
                        (model_id,),
                    ).fetchall()
                    view["predictions"] = [_prediction_view(r) for r in rows]
                if include_revisions:
                    rows = conn.execute(
                        "SELECT * FROM model_revisions WHERE mind = :mind AND model_id = ? "
                        "ORDER BY created_at",
                        (model_id,),
                    ).fetchall()
                    view["revisions"] = [
                        {
                            "revision_id": r["id"],
                            "trigger_description": r["trigger_description"],
                            "added_basins": loads(r["added_basins"], []),
                            "removed_basins": loads(r["removed_basins"], []),
                            "accuracy_before": r["accuracy_before"],
                            "accuracy_after": r["accuracy_after"],
                            "created_at": iso(r["created_at"]),
                        }
                        for r in rows
                    ]
                return view

        return await blocking(read)

    # -- writing ------------------------------------------------------------------------

    async def create(
        self,
        name: str,
        domain: str,
        basin_ids: list[str],
        description: str | None = None,
        prediction_templates: list[Any] | None = None,
    ) -> dict[str, Any]:
        """Create a draft model over basins (unknown basins are created dormant).

        Raises:
            ServiceError: empty name, unknown domain, bad basin ids or templates.
        """
        check_text("name", name)
        check_choice("domain", domain, MODEL_DOMAINS)
        basins = _ids("basin_ids", basin_ids)
        if not basins:
            raise ServiceError("basin_ids must name at least one basin")
        templates = _templates(prediction_templates)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                model_id, at = new_id(), now()
                self.basins.ensure_in(conn, basins)
                conn.execute(
                    "INSERT INTO mental_models(mind, id, name, domain, "
                    "description, basin_ids, prediction_templates, "
                    "status, structure_since, created_at, updated_at) VALUES "
                    "(:mind, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
                    (model_id, name, domain, description, dumps(basins), dumps(templates), at, at, at),
                )
                return self._view(conn, self._row(conn, model_id))

        return await blocking(write)

    async def revise(
        self,
        model_id: str,
        trigger_description: str,
        add_basins: list[str] | None = None,
        remove_basins: list[str] | None = None,
    ) -> dict[str, Any]:
        """Change a model's basins, record the revision, start a new accuracy record.

        Raises:
            ServiceError: unknown model, empty trigger, bad basin lists.
        """
        check_text("model_id", model_id)
        check_text("trigger_description", trigger_description)
        adds = _ids("add_basins", add_basins, optional=True)
        removes = _ids("remove_basins", remove_basins, optional=True)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                row = self._row(conn, model_id)
                current = loads(row["basin_ids"], [])
                n, total = self._stats(conn, model_id, row["structure_since"])
                before = round(total / n, 4) if n else None
                removed = [b for b in removes if b in current]
                kept = [b for b in current if b not in removed]
                added = [b for b in adds if b not in kept]
                basins = kept + added
                self.basins.ensure_in(conn, added)
                at = now()
                status = "deprecated" if not basins else row["status"]
                revision_id = new_id()
                conn.execute(
                    "INSERT INTO model_revisions(mind, id, model_id, "
                    "trigger_description, added_basins, removed_basins, "
                    "accuracy_before, created_at) VALUES (:mind, ?, ?, ?, ?, ?, ?, ?)",
                    (revision_id, model_id, trigger_description, dumps(added), dumps(removed), before, at),
                )
                conn.execute(
                    "UPDATE mental_models SET basin_ids = ?, status = ?, "
                    "revision_needed = 0, structure_since = ?, "
                    "updated_at = ? WHERE mind = :mind AND id = ?",
                    (dumps(basins), status, at, at, model_id),
                )
                view = self._view(conn, self._row(conn, model_id))
            return {
                **view,
                "revision_id": revision_id,
                "added_basins": added,
                "removed_basins": removed,
                "ignored_removals": [b for b in removes if b not in current],
                "accuracy_before": before,
                "accuracy_after": None,
            }

        return await blocking(write)

    async def predict(
        self, model_id: str, context: dict[str, Any], inference_state_id: str | None = None
    ) -> dict[str, Any]:
        """Make a prediction and its competing thoughtseed.

        Raises:
            ServiceError: unknown or deprecated model, context not an object.
        """
        check_text("model_id", model_id)
        ctx = check_object("context", context)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                row = self._row(conn, model_id)
                if row["status"] == "deprecated":
                    raise ServiceError(f"mental model {model_id!r} is deprecated and makes no predictions")
                n, total = self._stats(conn, model_id, row["structure_since"])
                confidence = (total + 1) / (n + 2)
                prediction = _fill(row, ctx)
                layer = DOMAIN_LAYER[row["domain"]]
                at, prediction_id = now(), new_id()
                activation = min(1.0, confidence * 1.2)
                seed = self.seeds.insert_in(
                    conn,
                    layer=layer,
                    kind="prediction",
                    activation=activation,
                    model_id=model_id,
                    prediction_id=prediction_id,
                    packet={"prediction_id": prediction_id, "model_id": model_id, "prediction": prediction},
                )
                conn.execute(
                    "INSERT INTO predictions(mind, id, model_id, context, "
                    "prediction, confidence, inference_state_id, "
                    "thoughtseed_id, created_at, expires_at) VALUES (:mind, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        prediction_id,
                        model_id,
                        dumps(ctx),
                        dumps(prediction),
                        confidence,
                        inference_state_id,
                        seed["id"],
                        at,
                        at + PREDICTION_TTL_S,
                    ),
                )
            return {
                "prediction_id": prediction_id,
                "model_id": model_id,
                "prediction": prediction,
                "confidence": round(confidence, 4),
                "based_on_resolved": n,
                "layer": layer,
                "thoughtseed_id": seed["id"],
                "thoughtseed_activation": round(activation, 4),
                "inference_state_id": inference_state_id,
                "created_at": iso(at),
                "expires_at": iso(at + PREDICTION_TTL_S),
            }

        return await blocking(write)

    async def resolve_prediction(self, prediction_id: str, observation: Any, error: float) -> dict[str, Any]:
        """Record what happened and the prediction error (0 = exact, 1 = wholly wrong).

        Returns:
            The model's updated accuracy and revision flag.

        Raises:
            ServiceError: unknown, already resolved or expired prediction; error outside 0..1.
        """
        check_text("prediction_id", prediction_id)
        err = check_unit("error", error)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                p = conn.execute(
                    "SELECT * FROM predictions WHERE mind = :mind AND id = ?", (prediction_id,)
                ).fetchone()
                if p is None:
                    raise ServiceError(f"no prediction with id {prediction_id!r}")
                if p["resolved_at"] is not None:
                    raise ServiceError(f"prediction {prediction_id!r} is already resolved")
                at = now()
                if p["expires_at"] < at:
                    raise ServiceError(f"prediction {prediction_id!r} expired at {iso(p['expires_at'])}")
                conn.execute(
                    "UPDATE predictions SET resolved_at = ?, observation = ?, error = ? WHERE "
                    "mind = :mind AND id = ?",
                    (at, dumps(observation), err, prediction_id),
                )
                model = self._row(conn, p["model_id"])
                n, total = self._stats(conn, model["id"], model["structure_since"])
                accuracy = total / n
                status = "active" if model["status"] == "draft" else model["status"]
                conn.execute(
                    "UPDATE mental_models SET revision_needed = ?, status = ?, updated_at = ? "
                    "WHERE mind = :mind AND id = ?",
                    (int(accuracy < REVISION_THRESHOLD), status, at, model["id"]),
                )
                last = conn.execute(
                    "SELECT id, created_at FROM model_revisions WHERE mind = :mind AND "
                    "model_id = ? ORDER BY created_at DESC LIMIT 1",
                    (model["id"],),
                ).fetchone()
                if last is not None and p["created_at"] >= last["created_at"]:
                    conn.execute(
                        "UPDATE model_revisions SET accuracy_after = ? WHERE mind = :mind AND id = ?",
                        (accuracy, last["id"]),
                    )
            return {
                "prediction_id": prediction_id,
                "model_id": model["id"],
                "error": err,
                "accuracy": round(accuracy, 4),
                "resolved_predictions": n,
                "revision_needed": accuracy < REVISION_THRESHOLD,
                "status": status,
            }

        return await blocking(write)

    async def pending_predictions(self, limit: int = 10) -> list[dict[str, Any]]:
        """Unresolved, unexpired predictions, oldest first (for the heartbeat's orient phase)."""
        check_limit("limit", limit)
        rows = await blocking(
            self.store.query,
            "SELECT * FROM predictions WHERE mind = :mind AND resolved_at IS NULL AND "
            "expires_at >= ? ORDER BY created_at LIMIT ?",
            (now(), limit),
        )
        return [_prediction_view(r) for r in rows]

    async def needing_revision(self, limit: int = 2) -> list[dict[str, Any]]:
        """Models flagged for revision, least accurate first."""

        def read() -> list[dict[str, Any]]:
            with self.store.reading() as conn:
                rows = conn.execute(
                    "SELECT * FROM mental_models WHERE mind = :mind AND revision_needed = 1"
                ).fetchall()
                views = sorted((self._view(conn, r) for r in rows), key=lambda v: v["accuracy"] or 0.0)
                return views[:limit]

        return await blocking(read)

    # -- competition --------------------------------------------------------------------

    async def compete(self, layer: str) -> dict[str, Any]:
        """Prediction competition at a layer; the winning model's basins are activated.

        Raises:
            ServiceError: unknown layer.
        """
        check_choice("layer", layer, LAYERS)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                conn.execute(
                    "UPDATE thoughtseeds SET status = 'expired' WHERE mind = :mind AND kind = "
                    "'prediction' AND layer = ? "
                    "AND status IN ('pending', 'competing') AND prediction_id IN "
                    "(SELECT id FROM predictions WHERE mind = :mind AND resolved_at IS NULL "
                    "AND expires_at < ?)",
                    (layer, now()),
                )
                outcome = self.seeds.compete_in(conn, layer, "prediction")
                result = outcome_view(outcome)
                result["activated_basins"] = []
                result["winning_model_id"] = None
                if outcome.winner is not None:
                    model = self._row(conn, outcome.winner["model_id"])
                    result["winning_model_id"] = model["id"]
                    result["winning_model_name"] = model["name"]
                    strength = float(outcome.winner["activation"])
                    result["activated_basins"] = [
                        self.basins.activate_in(conn, b, strength) for b in loads(model["basin_ids"], [])
                    ]
                if outcome.winner is None:
                    result["message"] = f"no pending prediction thoughtseeds at layer {layer!r}"
            return result

        return await blocking(write)

    async def by_winners(self, layer: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
        """Models whose predictions won most competitions (optionally at one layer).

        Raises:
            ServiceError: unknown layer or bad limit.
        """
        if layer is not None:
            check_choice("layer", layer, LAYERS)
        check_limit("limit", limit)

        def read() -> list[dict[str, Any]]:
            with self.store.reading() as conn:
                sql = (
                    "SELECT winner_model_id, count(*) AS wins, max(created_at) AS last FROM competitions "
                    "WHERE mind = :mind AND kind = 'prediction' AND winner_model_id IS NOT NULL"
                )
                params: list[Any] = []
                if layer is not None:
                    sql += " AND layer = ?"
                    params.append(layer)
                sql += " GROUP BY winner_model_id ORDER BY wins DESC, last DESC LIMIT ?"
                out = []
                for r in conn.execute(sql, [*params, limit]).fetchall():
                    model = conn.execute(
                        "SELECT * FROM mental_models WHERE mind = :mind AND id = ?", (r["winner_model_id"],)
                    ).fetchone()
                    if model is not None:
                        out.append(
                            {**self._view(conn, model), "wins": int(r["wins"]), "last_win_at": iso(r["last"])}
                        )
                return out

        return await blocking(read)


def _fill(model: Record, ctx: dict[str, Any]) -> dict[str, Any]:
    """Choose and fill the template that best matches the context."""
    templates = loads(model["prediction_templates"], [])
    basins = loads(model["basin_ids"], [])
    context_words = set().union(*(_words(k) | _words(v) for k, v in ctx.items())) if ctx else set()
    if not templates:
        return {
            "expected": f"basins {', '.join(basins)} stay engaged under model '{model['name']}'",
            "template_index": None,
            "matched_terms": [],
            "basins": basins,
        }
    # Most shared words wins; on a tie a template without a trigger (a default) beats a
    # triggered one whose trigger did not fire, then the earlier template.
    scored = [
        (len(_words(t["trigger"] or t["prediction"]) & context_words), t["trigger"] is None, -i, i)
        for i, t in enumerate(templates)
    ]
    index = max(scored)[3]
    template = templates[index]
    text = _PLACEHOLDER.sub(lambda m: str(ctx.get(m.group(1), m.group(0))), template["prediction"])
    matched = sorted(_words(template["trigger"] or template["prediction"]) & context_words)
    return {"expected": text, "template_index": index, "matched_terms": matched, "basins": basins}


def _prediction_view(row: Record) -> dict[str, Any]:
    at = now()
    status = (
        "resolved" if row["resolved_at"] is not None else ("expired" if row["expires_at"] < at else "pending")
    )
    return {
        "prediction_id": row["id"],
        "model_id": row["model_id"],
        "context": loads(row["context"], {}),
        "prediction": loads(row["prediction"], {}),
        "confidence": row["confidence"],
        "status": status,
        "error": row["error"],
        "observation": loads(row["observation"]),
        "thoughtseed_id": row["thoughtseed_id"],
        "created_at": iso(row["created_at"]),
        "expires_at": iso(row["expires_at"]),
        "resolved_at": iso(row["resolved_at"]),
    }
