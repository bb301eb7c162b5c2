"""The vendor's side: answers to order alerts, leads and quotes (issue 6 grows this)."""
from __future__ import annotations

from conversation.texts import text
from conversation.types import Action, Context, Event, Reply, State


def handle(state: State, event: Event, ctx: Context) -> tuple[State, list[Action]]:
    """One vendor event: state in, (state, actions) out."""
    return state, [Reply(text("help", state.language))]
