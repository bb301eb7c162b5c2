"""The audit log: every staff action, who did it, to what, from where. Never commits."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from market.models import AuditEvent, Staff


def record(session: Session, staff: Staff | None, action: str, target: Any = None,
           detail: dict[str, Any] | None = None, ip: str | None = None) -> AuditEvent:
    """Add one audit row. `target` is a model row (type and id are taken from it), a
    (type, id) pair, or None."""
    target_type = target_id = None
    if isinstance(target, tuple):
        target_type, target_id = target[0], str(target[1])
    elif target is not None:
        target_type = type(target).__name__.lower()
        target_id = str(getattr(target, "id", None))
    event = AuditEvent(staff_id=staff.id if staff is not None else None, action=action[:60],
                       target_type=target_type, target_id=target_id,
                       detail=_plain(detail or {}), ip=(ip or None) and ip[:45])
    session.add(event)
    return event


def _plain(value: Any) -> Any:
    """JSON-safe copy: decimals, dates and the like become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
