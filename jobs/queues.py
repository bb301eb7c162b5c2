"""Queue names, in one place. A prefix keeps parallel test runs apart on one Redis."""
from __future__ import annotations

INBOUND = "inbound"
OUTBOUND = "outbound"
DEFAULT = "default"

ALL = (INBOUND, OUTBOUND, DEFAULT)


def qualified(name: str, prefix: str = "") -> str:
    return f"{prefix}{name}"
