"""The engine's entry point: commands that hold in any state and for anyone come first
(STOP/START), then the buyer's or the vendor's state machine."""
from __future__ import annotations

from dataclasses import replace

from conversation import buyer, vendor
from conversation.actions import Action, Reply, SetOptOut
from conversation.commands import command_of
from conversation.texts import text
from conversation.types import Context, Event, State


def handle(state: State, event: Event, ctx: Context) -> tuple[State, list[Action]]:
    """Decide what a conversation does with one event. Pure: no I/O, no clock."""
    command = command_of(event.text) if event.kind == "text" else None
    language = state.language
    if command == "stop":
        if state.opted_out:
            return state, []
        return replace(state, opted_out=True), [
            SetOptOut(True), Reply(text("stopped", language), even_if_opted_out=True)
        ]
    if state.opted_out:
        if command == "start":
            return replace(state, opted_out=False), [
                SetOptOut(False), Reply(text("started", language))
            ]
        return state, []  # an opted-out number gets nothing until START
    if ctx.role == "vendor":
        return vendor.handle(state, event, ctx)
    return buyer.handle(state, event, ctx)
