"""What of an agent's memory goes back into its next prompt: a window of steps, bounded errors.

A small local model has a small context. smolagents replays every step, and a failed step
replays the model's text twice: once as its output and once inside the parse error that quotes it
back whole (about 1,000 tokens a step with a chatty model, and a context overflow by step 8).
Two bounds keep a long run inside the context: an error quotes at most an excerpt of the failed
text, and an optional window keeps only the last ``max_memory_steps`` action steps (the task and
a note of how many were left out stay). The agent's memory itself is untouched, so traces and
records keep every step.
"""

from __future__ import annotations

from smolagents import ChatMessage, MessageRole
from smolagents.memory import ActionStep, MemoryStep, PlanningStep, TaskStep

_HEAD_SHARE = 0.7
"""Of an excerpt, the share taken from the start of the text (the rest is its end)."""


def excerpt(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and end with the cut said."""
    if len(text) <= limit:
        return text
    head = int(limit * _HEAD_SHARE)
    tail = max(0, limit - head)
    cut = len(text) - head - tail
    return f"{text[:head]}\n[... {cut} characters cut ...]\n{text[len(text) - tail :] if tail else ''}"


def bound_step_error(step: ActionStep, limit: int) -> None:
    """Shorten a step's error in place: the failed text it quotes, then the whole message.

    The quoted text is the step's own model output (already in the prompt once), so it is cut to
    an excerpt first; whatever else the error says (the hint, a traceback) is kept up to four
    excerpts' worth.
    """
    error = step.error
    if error is None:
        return
    message = str(error)
    output = (step.model_output or "").strip() if isinstance(step.model_output, str) else ""
    if output and len(output) > limit and output in message:
        message = message.replace(output, excerpt(output, limit), 1)
    message = excerpt(message, 4 * limit)
    if message != str(error):
        error.args = (message,)
        if hasattr(error, "message"):
            error.message = message


def windowed(steps: list[MemoryStep], window: int | None) -> tuple[list[MemoryStep], int]:
    """The steps a prompt replays with a window of ``window`` action steps, and how many were left out.

    Task steps always stay; planning steps stay when they come after the first kept action step.
    """
    actions = [index for index, step in enumerate(steps) if isinstance(step, ActionStep)]
    if window is None or len(actions) <= window:
        return list(steps), 0
    first_kept = actions[-window]
    kept = [step for index, step in enumerate(steps) if index >= first_kept or isinstance(step, TaskStep)]
    return kept, len(actions) - window


def omitted_note(count: int) -> ChatMessage:
    """The message that stands where ``count`` earlier steps were left out of the prompt."""
    return ChatMessage(
        role=MessageRole.USER,
        content=[
            {
                "type": "text",
                "text": f"({count} earlier step{'s' if count != 1 else ''} left out to fit the context; "
                "variables they defined still exist.)",
            }
        ],
    )


def replay(
    system: list[ChatMessage], steps: list[MemoryStep], window: int | None, *, summary_mode: bool = False
) -> list[ChatMessage]:
    """The messages of a prompt: the system prompt, then the windowed steps with a note for the cut."""
    kept, left_out = windowed(steps, window)
    messages = list(system)
    noted = left_out == 0
    for step in kept:
        if not noted and isinstance(step, ActionStep | PlanningStep):
            messages.append(omitted_note(left_out))
            noted = True
        messages.extend(step.to_messages(summary_mode=summary_mode))
    return messages
