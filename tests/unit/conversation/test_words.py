"""The words buyers use for commands, answers, languages and towns (en, ne, hi)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from conversation.commands import Command, answer_of, edit_of, parse_command
from conversation.language import guess
from conversation.offers import ListingFact, rank_offers, shortfall
from conversation.towns import match_town


@pytest.mark.parametrize("said, command", [
    ("help", Command("help")), ("मद्दत", Command("help")), ("madat", Command("help")),
    ("status", Command("status")), ("STATUS 1042", Command("status", "1042")),
    ("sthiti 1042", Command("status", "1042")), ("स्थिति १०४२", Command("status", "1042")),
    ("mero order", Command("status")), ("मेरा ऑर्डर", Command("status")),
    ("cancel 1042", Command("cancel", "1042")), ("Cancel order #1042", Command("cancel", "1042")),
    ("radda 1042", Command("cancel", "1042")), ("रद्द १०४२", Command("cancel", "1042")),
    ("1042 cancel karo", Command("cancel", "1042")), ("cancel", Command("cancel")),
    ("reorder", Command("reorder")), ("pheri", Command("reorder")), ("दोबारा", Command("reorder")),
    ("language ne", Command("language", "ne")), ("bhasa hindi", Command("language", "hi")),
    ("भाषा नेपाली", Command("language", "ne")), ("english", Command("language", "en")),
    ("agent", Command("agent")), ("manche", Command("agent")), ("एजेंट", Command("agent")),
    ("quote", Command("quote", "")), ("quote 50 bags cement", Command("quote", "50 bags cement")),
    ("cement ko rate kati", Command("quote", "cement")), ("rate kati?", Command("quote", "")),
    ("cement ka bhav kya hai", Command("quote", "cement")), ("bhav kya hai", Command("quote", "")),
    ("accept quote 2", Command("accept_quote", None, 2)),
    ("quote 2 ok", Command("accept_quote", None, 2)),
    ("quote R12 2 ok", Command("accept_quote", "R12", 2)),
    ("accept quote R12 3", Command("accept_quote", "R12", 3)),
    ("quote 2 thik cha", Command("accept_quote", None, 2)),
    ("quote 2 theek hai", Command("accept_quote", None, 2)),
    ("2 bora chamal", None), ("namaste", None), ("yes", None), ("remove oil", None),
])
def test_commands_in_three_languages(said, command):
    assert parse_command(said) == command


@pytest.mark.parametrize("said, answer", [
    ("yes", "yes"), ("YES!", "yes"), ("ho", "yes"), ("हो", "yes"), ("haan", "yes"),
    ("हाँ", "yes"), ("thik cha", "yes"), ("ok", "yes"),
    ("no", "no"), ("hoina", "no"), ("होइन", "no"), ("nahi", "no"), ("नहीं", "no"),
    ("1", 1), ("२", 2), ("ek", 1), ("दुई", 2), ("3.", 3), ("chini 10 kg", None),
])
def test_answers(said, answer):
    assert answer_of(said) == answer


@pytest.mark.parametrize("said, edit", [
    ("remove oil", ("remove", "oil")), ("hatau chini", ("remove", "chini")),
    ("chini hatau", ("remove", "chini")), ("chini hata do", ("remove", "chini")),
    ("हटाउ चिनी", ("remove", "चिनी")), ("remove 2", ("remove", "2")),
    ("add 2 peti coke", ("add", "2 peti coke")), ("aur 5 kg chini", ("add", "5 kg chini")),
    ("थप २ बोरा चामल", ("add", "2 बोरा चामल")), ("sugar 20 kg", None),
])
def test_edits(said, edit):
    assert edit_of(said) == edit


@pytest.mark.parametrize("said, hint, language", [
    ("namaste", None, "en"), ("hello, 2 bags rice please", None, "en"),
    ("नमस्ते", None, "ne"), ("chini kati ho?", None, "ne"), ("bhai chini chahiye", None, "hi"),
    ("मुझे चीनी चाहिए", None, "hi"), ("मलाई चिनी चाहियो", None, "ne"), ("2 bora chamal", "ne", "ne"),
])
def test_language_guess(said, hint, language):
    assert guess(said, hint) == language


TOWNS = ["Bhaktapur", "Biratnagar", "Dharan", "Itahari", "Kathmandu", "Lalitpur", "Pokhara"]


@pytest.mark.parametrize("said, town", [
    ("Kathmandu", "Kathmandu"), ("kathmandu", "Kathmandu"), ("ktm", "Kathmandu"),
    ("Kathmandoo", "Kathmandu"), ("काठमाडौं", "Kathmandu"), ("patan", "Lalitpur"),
    ("pokhara ma", "Pokhara"), ("Birat", "Biratnagar"), ("itahari.", "Itahari"),
    ("Delhi", None), ("", None),
])
def test_town_matching(said, town):
    assert match_town(said, TOWNS) == town


def fact(vendor: int, price: str, moq: str = "1", stock: str = "1000",
         tiers: tuple = ()) -> ListingFact:
    return ListingFact(listing_id=vendor, vendor_id=vendor, vendor_code=f"V{vendor}",
                       vendor_name=f"Vendor {vendor}", sku="SUGAR", price=Decimal(price),
                       moq=Decimal(moq), stock=Decimal(stock), tiers=tiers)


def test_best_offer_takes_tiers_moq_and_stock_into_account():
    facts = [fact(1, "100", tiers=((10, 5.0),)), fact(2, "96", moq="20"), fact(3, "97",
                                                                                stock="5")]
    small = rank_offers(facts, 4)
    assert [o.vendor_id for o in small] == [3, 1]  # vendor 2's MOQ is 20
    ten = rank_offers(facts, 10)
    assert [o.vendor_id for o in ten] == [1]  # 95.00 after 5% off; vendor 3 has only 5
    assert ten[0].unit_price == Decimal("95.00") and ten[0].subtotal == Decimal("950.00")
    big = rank_offers(facts, 20)
    assert [o.vendor_id for o in big] == [1, 2]
    assert [o.vendor_id for o in rank_offers(facts, 20, exclude_vendor_ids=[1])] == [2]


def test_shortfall_says_why_no_vendor_can_take_a_line():
    assert shortfall([], 5).reason == "none"
    assert shortfall([fact(1, "10", moq="10"), fact(2, "10", moq="25")], 5) == \
        shortfall([fact(1, "10", moq="10")], 5)
    assert shortfall([fact(1, "10", moq="10")], 5).limit == Decimal("10")
    assert shortfall([fact(1, "10", stock="40")], 50).reason == "stock"
