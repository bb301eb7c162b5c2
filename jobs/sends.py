"""Enqueueing the sends of outbound messages a job has just committed."""
from __future__ import annotations

from jobs import queues
from jobs.runner import enqueue


def send_all(message_ids: list[int]) -> None:
    """One send job per message, on the outbound queue. Call after the commit."""
    from jobs.outbound import send_message

    for message_id in message_ids:
        enqueue(send_message, message_id, queue=queues.OUTBOUND)
