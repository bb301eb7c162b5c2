"""The conversation engine: pure functions from (state, event, context) to (state, actions).

Nothing here touches a database, a network or a clock; the job that calls it supplies the
time and the facts it needs, and performs the actions it returns.
"""
from conversation.actions import Action, Reply, SetOptOut
from conversation.engine import handle
from conversation.types import Context, Event, State

__all__ = ["Action", "Context", "Event", "Reply", "SetOptOut", "State", "handle"]
