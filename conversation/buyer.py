"""The buyer's conversation: onboarding, ordering, commands (issue 4 grows this)."""
from __future__ import annotations

from conversation.commands import command_of
from conversation.texts import text
from conversation.types import Action, Context, Event, Reply, State


def handle(state: State, event: Event, ctx: Context) -> tuple[State, list[Action]]:
    """One buyer event: state in, (state, actions) out."""
    command = command_of(event.text) if event.kind == "text" else None
    if command in ("help", "start"):
        return state, [Reply(text("help", state.language))]
    return state, [Reply(text("fallback", state.language))]
