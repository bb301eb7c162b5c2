"""How vendors are ranked for a lead, without embeddings."""
from __future__ import annotations

from datetime import UTC, datetime

from market.leads import VendorFacts, score
from market.plans import add_month

BASE = VendorFacts(categories=frozenset({"staples"}), town="Kathmandu", verified=True)


def test_category_outweighs_everything_else():
    other = VendorFacts(categories=frozenset({"dairy"}), town="Kathmandu", verified=True,
                        lead_priority=2, leads_alerted=10, leads_answered=10,
                        mean_response_hours=0.1, rating=5.0)
    assert score(BASE, "staples", "Kathmandu") > score(other, "staples", "Kathmandu")


def test_verification_plan_response_and_rating_each_count():
    better = [
        VendorFacts(**{**BASE.__dict__, "lead_priority": 2}),
        VendorFacts(**{**BASE.__dict__, "leads_alerted": 4, "leads_answered": 4,
                       "mean_response_hours": 1.0}),
        VendorFacts(**{**BASE.__dict__, "rating": 4.8}),
    ]
    for facts in better:
        assert score(facts, "staples", "Kathmandu") > score(BASE, "staples", "Kathmandu")
    unverified = VendorFacts(**{**BASE.__dict__, "verified": False})
    assert score(unverified, "staples", "Kathmandu") < score(BASE, "staples", "Kathmandu")
    silent = VendorFacts(**{**BASE.__dict__, "leads_alerted": 5, "leads_answered": 0})
    assert score(silent, "staples", "Kathmandu") < score(BASE, "staples", "Kathmandu")


def test_a_month_later():
    assert add_month(datetime(2026, 1, 31, tzinfo=UTC)) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 5, tzinfo=UTC)) == datetime(2027, 1, 5, tzinfo=UTC)
