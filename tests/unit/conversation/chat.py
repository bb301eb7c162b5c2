"""A buyer chat played against the pure engine, with the demo catalog read from CSV (no
database): the real parser, the event and context made as market/buyer_context.py makes
them, listing facts filtered as market/pricing.py filters them, and profile updates applied
the way market/buyer_flow.py applies them."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from conversation import Context, Event, State, handle
from conversation.actions import Action, Reply, UpdateBuyer
from conversation.commands import parse_command
from conversation.offers import ListingFact
from conversation.types import BuyerFacts, BuyerProfile, OrderFacts, ReorderLine
from parsers import Catalog, ParseResult, parse

CATALOG = Path(__file__).resolve().parents[3] / "data" / "catalog"
START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@cache
def catalog() -> Catalog:
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
    """One buyer's conversation; `send` returns the actions of one message. `party` holds
    the fields of the buyer's `BuyerProfile`, changed as their answers are saved."""

    party: dict[str, Any] = field(default_factory=dict)
    state: State = field(default_factory=State)
    now: datetime = START
    orders: list[OrderFacts] = field(default_factory=list)
    last_order_lines: list[ReorderLine] = field(default_factory=list)
    offers: dict[str, list[ListingFact]] | None = None
    log: list[Action] = field(default_factory=list)

    @classmethod
    def registered(cls, town: str = "Kathmandu", language: str | None = "en",
                   **party: Any) -> Chat:
        """A buyer staff registered: onboarding skipped."""
        return cls(party={"id": 7, "name": "Sita", "shop": "Sita Store", "town": town,
                          "language": language, "currency": "NPR", "onboarded": True,
                          "registered_by_staff": True, **party})

    def inputs(self, event: Event, parsed: ParseResult | None = None) -> tuple[Event, Context]:
        """The event (an onboarded buyer's order parsed on it) and the context, as
        market/buyer_context.py makes them; `parsed` stands in for the parser's answer."""
        profile = BuyerProfile(**self.party)
        facts = BuyerFacts(profile=profile, towns=tuple(towns()), handoff_hours=12,
                           draft_ttl_hours=24)
        if not (profile.onboarded or profile.registered_by_staff):
            return event, Context(role="buyer", buyer=facts)
        said = event.text if event.kind == "text" else ""
        command = parse_command(said) if said else None
        wanted = event.order_text if event.kind != "timer" else ""
        if parsed is None and wanted and command is None:
            parsed = parse(wanted, catalog())
        number = command.arg if command and command.name in ("status", "cancel") else None
        facts = replace(
            facts, catalog=catalog(),
            offers=self.offers if self.offers is not None else facts_for(profile.town or ""),
            orders=tuple(self.orders), last_order_lines=tuple(self.last_order_lines),
            order=next((o for o in self.orders if o.number == number), None))
        return replace(event, parse=parsed), Context(role="buyer", buyer=facts)

    def send(self, text: str, after: timedelta = timedelta(seconds=5),
             parsed: ParseResult | None = None, **meta: Any) -> list[Action]:
        """One message; `parsed` stands in for the parser's answer when a test needs a
        particular one (an unsure line with alternatives)."""
        self.now += after
        return self.run(Event(kind="text", now=self.now, text=text, meta=meta), parsed)

    def tick(self, after: timedelta) -> list[Action]:
        """A timer event `after` from the last one."""
        self.now += after
        return self.run(Event(kind="timer", now=self.now))

    def run(self, event: Event, parsed: ParseResult | None = None) -> list[Action]:
        """Any event, handled; the profile updated as the buyer's answers are saved."""
        event, ctx = self.inputs(event, parsed)
        self.state, actions = handle(self.state, event, ctx)
        for action in actions:
            if isinstance(action, UpdateBuyer):
                self.party.update({"shop" if k == "shop_name" else k: v
                                   for k, v in action.changes.items()})
        self.log.extend(actions)
        return actions

    def replies(self, actions: list[Action]) -> list[str]:
        return [a.text for a in actions if isinstance(a, Reply)]

    def said(self, text: str, parsed: ParseResult | None = None, **meta: Any) -> str:
        """Send `text`; the replies joined, for asserting on."""
        return "\n".join(self.replies(self.send(text, parsed=parsed, **meta)))

    def lines(self) -> list[tuple[str, float, str | None]]:
        draft = self.state.draft or {"lines": []}
        return [(ln["sku"], ln["base_quantity"], (ln["offer"] or {}).get("vendor_code"))
                for ln in draft["lines"]]

