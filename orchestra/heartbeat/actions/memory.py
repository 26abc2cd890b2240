"""Memory actions: remember, recall, archive, prune, synthesize, and inquiries over memory."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from orchestra.errors import ServiceError
from orchestra.heartbeat.actions.registry import ActionCall, handles
from orchestra.services.vocabulary import MEMORY_TYPES

_WORD = re.compile(r"[^\W_]+")


@handles("remember", "content", "memory_type", "importance", "metadata")
async def _remember(call: ActionCall) -> dict[str, Any]:
    metadata = {**(call.mapping("metadata") or {}), **call.provenance()}
    return await call.services.create_memory(
        call.text("content"),
        memory_type=call.choice("memory_type", MEMORY_TYPES, "episodic"),
        importance=call.number("importance", 0.5, 0.0, 1.0),
        metadata=metadata,
    )


@handles("recall", "query", "top_k", "threshold", "memory_types")
async def _recall(call: ActionCall) -> dict[str, Any]:
    query = call.text("query")
    text = await call.services.semantic_recall(
        query,
        top_k=call.integer("top_k", 5, 1, 100),
        threshold=call.number("threshold", 0.7, 0.0, 1.0),
        memory_types=call.texts("memory_types"),
    )
    return {"query": query, "recall": text}


@handles("archive_semantic", "content", "memory_id", "importance")
async def _archive_semantic(call: ActionCall) -> dict[str, Any]:
    content = call.maybe_text("content")
    memory_id = call.maybe_text("memory_id")
    if (content is None) == (memory_id is None):
        raise ServiceError("archive_semantic needs exactly one of params.content or params.memory_id")
    extra: dict[str, Any] = {}
    if memory_id is not None:
        source = await call.services.get_memory(memory_id)
        if source is None:
            raise ServiceError(f"archive_semantic: no memory with id {memory_id!r}")
        content, extra = str(source["content"]), {"archived_from": memory_id}
    result = await call.services.create_memory(
        str(content),
        memory_type="semantic",
        importance=call.number("importance", 0.6, 0.0, 1.0),
        metadata=call.provenance(**extra),
    )
    return {**result, **extra}


@handles("prune_episodic", "older_than_days", "keep", "max_delete")
async def _prune_episodic(call: ActionCall) -> dict[str, Any]:
    s = call.services
    older_than_days = call.number("older_than_days", 30.0, 0.0, 36500.0)
    keep = call.integer("keep", 200, 0, 1_000_000)
    # One prune stays within the destruction guard's threshold, so it cannot trip the
    # alert (and pause sync) on its own.
    max_delete = call.integer("max_delete", s.settings.sync.destruction_threshold, 1, 1000)
    cutoff = time.time() - older_than_days * 86400
    rows = await asyncio.to_thread(
        s.store.query,
        "SELECT id FROM memories WHERE mind = :mind AND memory_type = 'episodic' AND created_at < ? "
        "AND id NOT IN (SELECT id FROM memories WHERE mind = :mind AND memory_type = 'episodic' "
        "ORDER BY created_at DESC LIMIT ?) ORDER BY created_at LIMIT ?",
        (cutoff, keep, max_delete),
    )
    deleted = [row["id"] for row in rows if await s.memory.delete(row["id"])]
    return {
        "deleted": len(deleted),
        "deleted_ids": deleted,
        "older_than_days": older_than_days,
        "kept_newest": keep,
        "max_delete": max_delete,
        "memory_count": await s.memory.count(),
    }


@handles("inquire_shallow", "question", "top_k", "threshold")
async def _inquire_shallow(call: ActionCall) -> dict[str, Any]:
    question = call.text("question")
    top_k = call.integer("top_k", 5, 1, 100)
    threshold = call.number("threshold", 0.5, 0.0, 1.0)
    recall = await call.services.semantic_recall(question, top_k=top_k, threshold=threshold)
    hits = await call.services.search_memories(question, limit=top_k, threshold=threshold)
    return {"question": question, "recall": recall, "memories": hits}


@handles("synthesize", "topic", "top_k", "threshold", "importance")
async def _synthesize(call: ActionCall) -> dict[str, Any]:
    topic = call.text("topic")
    hits = await call.services.search_memories(
        topic, limit=call.integer("top_k", 5, 1, 100), threshold=call.number("threshold", 0.5, 0.0, 1.0)
    )
    if not hits:
        raise ServiceError(f"synthesize found no memories about {topic!r} to combine")
    content = f"Synthesis on {topic!r} from {len(hits)} memories:\n" + "\n".join(
        f"- {' '.join(h['content'].split())}" for h in hits
    )
    sources = [h["memory_id"] for h in hits]
    memory = await call.services.create_memory(
        content,
        memory_type="semantic",
        importance=call.number("importance", 0.7, 0.0, 1.0),
        metadata=call.provenance(topic=topic, source_memory_ids=sources),
    )
    return {"memory_id": memory["memory_id"], "topic": topic, "combined": len(hits), "sources": sources}


@handles("inquire_deep", "question", "top_k", "threshold")
async def _inquire_deep(call: ActionCall) -> dict[str, Any]:
    s = call.services
    question = call.text("question")
    recall = await s.semantic_recall(
        question, top_k=call.integer("top_k", 10, 1, 100), threshold=call.number("threshold", 0.3, 0.0, 1.0)
    )
    models = (await s.list_mental_models(limit=20))["models"]
    words = set(_WORD.findall(question.lower()))
    relevant = [
        m for m in models if words & set(_WORD.findall(f"{m['name']} {m['description'] or ''}".lower()))
    ]
    findings = [line for line in recall.splitlines()[1:] if line != "No memories matched."]
    model_lines = [
        f"- {m['name']} ({m['domain']}, accuracy {m['accuracy']}, {m['status']})" for m in relevant or models
    ]
    content = "\n".join(
        [
            f"Deep inquiry: {question}",
            f"Recalled {len(findings)} memories:" if findings else "No memory answered it.",
            *findings,
            ("Relevant mental models:" if relevant else f"Mental models ({len(models)}), none named in it:"),
            *(model_lines or ["- none"]),
        ]
    )
    memory = await s.create_memory(
        content, memory_type="strategic", importance=0.7, metadata=call.provenance(question=question)
    )
    return {
        "memory_id": memory["memory_id"],
        "question": question,
        "recall": recall,
        "recalled": len(findings),
        "mental_models": len(models),
        "relevant_models": [m["model_id"] for m in relevant],
    }
