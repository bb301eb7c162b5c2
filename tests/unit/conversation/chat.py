"""A buyer chat played against the pure engine, with the demo catalog read from CSV (no
database): the real parser, listing facts filtered as app/pricing.py filters them, and
profile updates applied the way app/buyer_flow.py applies them."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from conversation import Context, Event, State, handle
from conversation.actions import UpdateBuyer
from conversation.commands import parse_command
from conversation.offers import ListingFact
from conversation.types import Action, Reply

CATALOG = Path(__file__).resolve().parents[3] / "data" / "catalog"
START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@cache
def catalog() -> Any:
    from parsers import Catalog

    return Catalog.load_dir(CATALOG)


@cache
def vendors() -> dict[str, dict[str, str]]:
    with open(CATALOG / "vendors.csv", encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def facts_for(town: str) -> dict[str, list[ListingFact]]:
    """Listings of verified vendors delivering to `town`, by SKU."""
    out: dict[str, list[ListingFact]] = {}
    with open(CATALOG / "listings.csv", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=1):
            vendor = vendors()[row["vendor_code"]]
            if vendor["verification"] != "verified":
                continue
            if town.lower() not in vendor["delivery_areas"].lower().split("|"):
                continue
            tiers = tuple((float(a), float(b)) for a, b in
                          (t.split(":") for t in filter(None, row["tiers"].split(";"))))
            out.setdefault(row["sku"], []).append(ListingFact(
                listing_id=n, vendor_id=list(vendors()).index(row["vendor_code"]) + 1,
                vendor_code=row["vendor_code"], vendor_name=vendor["business_name"],
                sku=row["sku"], price=Decimal(row["price"]), moq=Decimal(row["moq"]),
                stock=Decimal(row["stock"]), tiers=tiers))
    return out


def towns() -> list[str]:
    found = {t for v in vendors().values() if v["verification"] == "verified"
             for t in v["delivery_areas"].split("|")}
    return sorted(found)


@dataclass
class Chat:
    """One buyer's conversation; `send` returns the actions of one message."""

    party: dict[str, Any] = field(default_factory=dict)
    state: State = field(default_factory=State)
    now: datetime = START
    orders: list[dict[str, Any]] = field(default_factory=list)
    last_order_lines: list[dict[str, Any]] = field(default_factory=list)
    offers: dict[str, list[ListingFact]] | None = None
    log: list[Action] = field(default_factory=list)

    @classmethod
    def registered(cls, town: str = "Kathmandu", language: str | None = "en",
                   **party: Any) -> Chat:
        """A buyer staff registered: onboarding skipped."""
        return cls(party={"id": 7, "name": "Sita", "shop": "Sita Store", "town": town,
                          "language": language, "currency": "NPR", "onboarded": True,
                          "registered_by_staff": True, **party})

    def context(self, text: str, parsed: Any = None) -> Context:
        onboarded = self.party.get("onboarded") or self.party.get("registered_by_staff")
        extra: dict[str, Any] = {"towns": towns(), "handoff_hours": 12, "draft_ttl_hours": 24}
        if onboarded:
            from parsers import parse

            command = parse_command(text) if text else None
            number = command.arg if command and command.name in ("status", "cancel") else None
            extra.update(
                catalog=catalog(),
                parse=parsed if parsed is not None
                else parse(text, catalog()) if text and command is None else None,
                offers=self.offers if self.offers is not None
                else facts_for(self.party.get("town") or ""),
                orders=self.orders, last_order_lines=self.last_order_lines,
                order=next((o for o in self.orders if o["number"] == number), None))
        return Context(role="buyer", party=dict(self.party), extra=extra)

    def send(self, text: str, after: timedelta = timedelta(seconds=5), parsed: Any = None,
             **meta: Any) -> list[Action]:
        """One message; `parsed` stands in for the parser's answer when a test needs a
        particular one (an unsure line with alternatives)."""
        self.now += after
        event = Event(kind="text", now=self.now, text=text, meta=meta)
        return self._run(event, text, parsed)

    def tick(self, after: timedelta) -> list[Action]:
        """A timer event `after` from the last one."""
        self.now += after
        return self._run(Event(kind="timer", now=self.now), "")

    def _run(self, event: Event, text: str, parsed: Any = None) -> list[Action]:
        self.state, actions = handle(self.state, event, self.context(text, parsed))
        for action in actions:
            if isinstance(action, UpdateBuyer):
                self.party.update({"shop" if k == "shop_name" else k: v
                                   for k, v in action.changes.items()})
        self.log.extend(actions)
        return actions

    def replies(self, actions: list[Action]) -> list[str]:
        return [a.text for a in actions if isinstance(a, Reply)]

    def said(self, text: str, parsed: Any = None, **meta: Any) -> str:
        """Send `text`; the replies joined, for asserting on."""
        return "\n".join(self.replies(self.send(text, parsed=parsed, **meta)))

    def lines(self) -> list[tuple[str, float, str | None]]:
        draft = self.state.draft or {"lines": []}
        return [(ln["sku"], ln["base_quantity"], (ln["offer"] or {}).get("vendor_code"))
                for ln in draft["lines"]]

