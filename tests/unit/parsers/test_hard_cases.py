"""The hard text cases: what a message does (order, question, complaint), numbers as words,
quantities that add up or are corrected, words that are also product names, inflected
Devanagari, unknown brands and pack sizes. One or two examples of each rule here; the
labelled sets (test_eval_score.py) hold many more."""

from __future__ import annotations

import pytest

from parsers import Catalog, parse_text
from parsers.cli import handle_line


def lines(message: str, catalog: Catalog) -> list[tuple[str, float, str | None]]:
    return [(i.sku, i.quantity, i.unit) for i in parse_text(message, catalog).items]


@pytest.mark.parametrize(("message", "intent", "asked"), [
    ("yesterday's coke delivery had 3 broken bottles, please check", "complaint", ["COKE-500"]),
    ("hijo ko dudh 2 crate aayo tara 5 packet phuteko thiyo", "complaint", ["MILK-DDC-500"]),
    ("कल वाले ऑर्डर में मैगी की 2 पेटी खराब निकली", "complaint", ["MAGGI-70"]),
    ("sugar 50kg bag price?", "question", ["SUGAR"]),
    ("basmati chamal stock ma cha ki chaina?", "question", ["RICE-BASMATI"]),
    ("क्या आपके पास 5 लीटर वाला धारा तेल है?", "question", ["OIL-DHARA-5L"]),
    ("received 2 ctn pepsi and 1 bora chini today, thank you", "other", []),
    ("namaste dai", "greeting", []),
])
def test_questions_and_complaints_order_nothing(catalog: Catalog, message: str, intent: str,
                                                asked: list[str]) -> None:
    result = parse_text(message, catalog)
    assert result.items == [] and result.unmatched == []
    assert result.intent == intent
    assert result.asked == asked


def test_a_question_then_an_order_in_one_message(catalog: Catalog) -> None:
    result = parse_text("is maggi in stock? if yes send 2 cartons", catalog)
    assert lines("is maggi in stock? if yes send 2 cartons", catalog) == [
        ("MAGGI-70", 2, "carton")]
    assert result.intent == "order"
    # The bill's total is not a product question; the lines stay an order.
    assert lines("maggi 48 packet, lays 20 packet - total kitna hua batana", catalog) == [
        ("MAGGI-70", 48, "packet"), ("LAYS-CLASSIC-50", 20, "packet")]


def test_cli_output_of_a_non_order_has_no_items(catalog: Catalog) -> None:
    out = handle_line('{"id": "q", "text": "coke ko 2.25 wala kati parcha ek bottle?"}',
                      catalog, None)
    assert out == {"id": "q", "items": [], "unmatched": []}


@pytest.mark.parametrize(("message", "expected"), [
    ("tin kilo chini ra paanch packet maggi", [("SUGAR", 3, "kg"), ("MAGGI-70", 5, "packet")]),
    ("saadhe tin kilo pyaj, paune dui kilo lasun", [("ONION", 3.5, "kg"),
                                                    ("GARLIC", 1.75, "kg")]),
    ("anda ek darjan, chamal dui bora", [("EGGS", 1, "dozen"), ("RICE-MANSULI", 2, "sack")]),
    ("one and a half kg ginger", [("GINGER", 1.5, "kg")]),
    ("jeera dhai sau gram", [("CUMIN-100", 250, "g")]),
    ("twenty four bottles of sprite", [("SPRITE-500", 24, "bottle")]),
    ("a couple of cartons of frooti", [("FROOTI-200", 2, "carton")]),
    ("साढे तीन किलो प्याज", [("ONION", 3.5, "kg")]),
])
def test_numbers_as_words(catalog: Catalog, message: str, expected: list) -> None:
    assert lines(message, catalog) == expected


@pytest.mark.parametrize(("message", "expected"), [
    ("coke 1 peti + 4 bottle", [("COKE-500", 1, "carton"), ("COKE-500", 4, "bottle")]),
    ("maggi 2 carton and 6 extra packets", [("MAGGI-70", 2, "carton"), ("MAGGI-70", 6, "packet")]),
    ("anda 1 tray ra 6 wota thap", [("EGGS", 1, "tray"), ("EGGS", 6, "piece")]),
    ("chini 5 kg... sorry, 2 kg only", [("SUGAR", 2, "kg")]),
    ("dhara 1 ltr 5 bottle. not 5, make it 3", [("OIL-DHARA-1L", 3, "bottle")]),
    ("chamal 2 bora, hoina 3 bora", [("RICE-MANSULI", 3, "sack")]),
    ("cheeni 10 kilo nahi 15 kilo bhejna", [("SUGAR", 15, "kg")]),
    ("मैगी ३ पेटी होइन २ पेटी मात्र", [("MAGGI-70", 2, "carton")]),
    ("dhara 5 wala 2 jar ra 1 wala 12 bottle", [("OIL-DHARA-5L", 2, "jar"),
                                                ("OIL-DHARA-1L", 12, "bottle")]),
])
def test_quantities_that_add_up_or_are_corrected(catalog: Catalog, message: str,
                                                 expected: list) -> None:
    assert lines(message, catalog) == expected


@pytest.mark.parametrize(("message", "expected"), [
    ("chini 5 kg pani chahiyo", [("SUGAR", 5, "kg")]),
    ("pani 2 peti ra coke pani 1 peti", [("WATER-1L", 2, "carton"), ("COKE-500", 1, "carton")]),
    ("maggi chai 2 peti", [("MAGGI-70", 2, "carton")]),
    ("tel chai dhara ko 1 peti", [("OIL-DHARA-1L", 1, "carton")]),
    ("tokla chiya 5 packet", [("TEA-TOKLA-500", 5, "packet")]),
    ("chiya patti 1 kg", [("TEA-LOOSE", 1, "kg")]),
])
def test_words_that_are_also_products(catalog: Catalog, message: str, expected: list) -> None:
    assert lines(message, catalog) == expected


@pytest.mark.parametrize(("message", "expected"), [
    ("चिनीको २ बोरा र चामलको १ बोरा", [("SUGAR", 2, "sack"), ("RICE-MANSULI", 1, "sack")]),
    ("मैगीका ३ पेटी", [("MAGGI-70", 3, "carton")]),
    ("कोकका २ पेटी र पेप्सीका १ पेटी", [("COKE-500", 2, "carton"), ("PEPSI-500", 1, "carton")]),
    ("बासमती ५ किलोको ४ प्याकेट", [("RICE-BASMATI", 4, "packet")]),
])
def test_case_endings_do_not_stop_a_match(catalog: Catalog, message: str,
                                          expected: list) -> None:
    assert lines(message, catalog) == expected


@pytest.mark.parametrize(("message", "unmatched"), [
    ("ruchi soya oil 1 ltr 2 carton", ["ruchi soya oil"]),
    ("patanjali atta 10 kg", ["patanjali atta"]),
    ("nariwal ko tel 6 bottle", ["nariwal ko tel"]),
    ("colgate maxfresh 12 pcs", ["colgate maxfresh"]),
])
def test_unknown_brands_are_reported_not_forced(catalog: Catalog, message: str,
                                                unmatched: list[str]) -> None:
    result = parse_text(message, catalog)
    assert result.items == [] and result.unmatched == unmatched


def test_a_typo_of_the_product_word_is_not_an_unknown_brand(catalog: Catalog) -> None:
    assert lines("dhara mustard tael 1 peti", catalog) == [("OIL-DHARA-1L", 1, "carton")]


@pytest.mark.parametrize(("message", "expected"), [
    ("coke 2.25 wala 3 bottle", [("COKE-2L", 3, "bottle")]),
    ("dhara 1 ltr ko 6 bottle", [("OIL-DHARA-1L", 6, "bottle")]),
    ("कोक २.२५ लिटरको ४ बोतल", [("COKE-2L", 4, "bottle")]),
    ("500ml ko coke 3 peti", [("COKE-500", 3, "carton")]),
])
def test_pack_sizes_in_the_name_choose_the_product(catalog: Catalog, message: str,
                                                   expected: list) -> None:
    assert lines(message, catalog) == expected


def test_a_nepali_word_and_a_zero_do_not_crash(catalog: Catalog) -> None:
    # Number words were ints; int.is_integer() only exists from Python 3.12.
    parse_text("छ 0", catalog)
    parse_text("chini chha 0 kg", catalog)
