"""Rules of the order language: numbers, units, multipliers, sizes, noise, unmatched."""

from __future__ import annotations

import pytest

from parsers import Catalog, parse_text
from parsers.tokens import MULT, NUM, UNIT, lex


def lines(message: str, catalog: Catalog) -> list[tuple[str, float, str | None]]:
    return [(i.sku, i.quantity, i.unit) for i in parse_text(message, catalog).items]


def numbers(text: str) -> list[float]:
    return [t.value for t in lex(text) if t.kind == NUM and t.value is not None]


@pytest.mark.parametrize(("text", "value"), [
    ("5 kg", 5), ("2.5 kg", 2.5), ("1/2 kg", 0.5), ("1 1/2 kg", 1.5),
    ("५ किलो", 5), ("१० किलो", 10), ("२.५ किलो", 2.5),
    ("one kg", 1), ("twelve packets", 12), ("a dozen", 1),
    ("ek bora", 1), ("dui bora", 2), ("tin peti", 3), ("char kilo", 4), ("das kilo", 10),
    ("do peti", 2), ("teen kilo", 3), ("paanch kilo", 5),
    ("एक बोरा", 1), ("दुई बोरा", 2), ("दो किलो", 2), ("पाँच किलो", 5),
])
def test_number_words_digits_and_scripts(text: str, value: float) -> None:
    assert numbers(text) == [value]


@pytest.mark.parametrize(("text", "value"), [
    ("adha kg", 0.5), ("aadha kilo", 0.5), ("आधा किलो", 0.5), ("half kg", 0.5),
    ("dedh kilo", 1.5), ("derh kg", 1.5), ("डेढ किलो", 1.5),
    ("dhai kilo", 2.5), ("adhai kg", 2.5), ("ढाई किलो", 2.5),
    ("sawa kilo", 1.25), ("sawa do kilo", 2.25),
])
def test_fraction_words(text: str, value: float) -> None:
    assert numbers(text) == [value]


@pytest.mark.parametrize("text", ["bhej do", "namaste dai", "dai 1 bora chini"])
def test_ambiguous_number_words_need_a_unit(text: str) -> None:
    # `do` (send it), `dai` (brother) are numbers only in front of a unit.
    assert all(v == 1 for v in numbers(text))


@pytest.mark.parametrize(("text", "unit"), [
    ("10kg", "kg"), ("10 kg", "kg"), ("5 kgs", "kg"), ("2 kilo", "kg"), ("२ केजी", "kg"),
    ("500g", "g"), ("200 gm", "g"), ("250 gram", "g"), ("5 ltr", "l"), ("1L", "l"),
    ("2 litre", "l"), ("500ml", "ml"), ("12 pcs", "piece"), ("36 nos", "piece"),
    ("2 ta", "piece"), ("5 wota", "piece"), ("५ वटा", "piece"), ("4 pkt", "packet"),
    ("3 poka", "packet"), ("४ पोका", "packet"), ("२० पैकेट", "packet"), ("2ctn", "carton"),
    ("1 case", "carton"), ("1 peti", "carton"), ("२ पेटी", "carton"), ("1 bora", "sack"),
    ("2 bori", "sack"), ("1 bag", "sack"), ("१ बोरा", "sack"), ("2 dabba", "box"),
    ("6 btl", "bottle"), ("६ बोतल", "bottle"), ("4 jar", "jar"), ("12 tin", "tin"),
    ("1 crate", "crate"), ("2 trays", "tray"), ("3 darjan", "dozen"), ("5 dz", "dozen"),
    ("२ दर्जन", "dozen"), ("2 dozn", "dozen"),
])
def test_unit_spellings_glued_or_spaced(text: str, unit: str) -> None:
    units = [t.unit for t in lex(text) if t.kind == UNIT]
    assert units == [unit]


@pytest.mark.parametrize(("text", "value"), [("x4", 4), ("x 4", 4), ("* 24", 24), ("×6", 6)])
def test_multipliers(text: str, value: float) -> None:
    assert [t.value for t in lex(f"coke {text}") if t.kind == MULT] == [value]


@pytest.mark.parametrize(("text", "dropped"), [
    ("mansuli 2 bora @ 1650", "1650"), ("chini 1 bora rs 4750", "4750"),
    ("chini 1 bora (रु ४७५०)", "4750"), ("rate 2450/jar", "2450"), ("95/- per kg", "95"),
    ("mero number 9801234567", "9801234567"), ("delivery on 15/06", "15"),
    ("bill 12/07 date ka", "12"), ("साउन १५ गते भित्र", "15"), ("order #4512", "4512"),
    ("bholi 6 baje bhitra", "6"), ("by 7am", "7"), ("b4 5pm", "5"),
])
def test_prices_phones_dates_and_order_numbers_are_not_quantities(text: str, dropped: str) -> None:
    assert float(dropped) not in numbers(text)


def test_ignores_chatter(catalog: Catalog) -> None:
    for message in ("dhanyabad dai, saman aaipugyo", "hlo bro rate list send plz",
                    "what is the price of sugar today?", "नमस्ते दाइ, हिजोको अर्डर कहिले आउँछ?",
                    "THANK YOU BHAI GOT THE DELIVERY",
                    "cheeni ka rate kya hai? 50 kilo wali bori ka batao"):
        result = parse_text(message, catalog)
        assert result.items == [] and result.unmatched == [], message


def test_prices_and_phones_do_not_change_the_order(catalog: Catalog) -> None:
    assert lines("mansuli 2 bora @ 1650, chini 1 bora @ 95. mero number 9801234567",
                 catalog) == [("RICE-MANSULI", 2, "sack"), ("SUGAR", 1, "sack")]


def test_name_first_and_quantity_first(catalog: Catalog) -> None:
    assert lines("chini 10 kg", catalog) == [("SUGAR", 10, "kg")]
    assert lines("10 kg chini", catalog) == [("SUGAR", 10, "kg")]
    assert lines("10kg chini 5kg moong dal 2ctn wai wai asap", catalog) == [
        ("SUGAR", 10, "kg"), ("DAL-MOONG", 5, "kg"), ("WAIWAI-CHICKEN", 2, "carton")]
    assert lines("ONION 1 BAG POTATO 1 BAG GARLIC 5KG", catalog) == [
        ("ONION", 1, "sack"), ("POTATO", 1, "sack"), ("GARLIC", 5, "kg")]


def test_item_separators(catalog: Catalog) -> None:
    expected = [("SUGAR", 1, "sack"), ("RICE-MANSULI", 2, "sack")]
    for message in ("chini 1 bora, chamal 2 bora", "chini 1 bora\nchamal 2 bora",
                    "1. chini 1 bora\n2. chamal 2 bora", "chini 1 bora ra chamal 2 bora",
                    "chini 1 bora ani chamal 2 bora", "chini 1 bora aur chamal 2 bora",
                    "chini 1 bora and chamal 2 bora", "chini 1 bora; chamal 2 bora",
                    "- chini 1 bora\n- chamal 2 bora", "चिनी १ बोरा र चामल २ बोरा"):
        assert lines(message, catalog) == expected, message


def test_conjunction_inside_a_name_is_kept(catalog: Catalog) -> None:
    assert lines("hide and seek 24 pkt, head and shoulders 6 btl", catalog) == [
        ("HIDE-SEEK-120", 24, "packet"), ("SHAMPOO-HS-180", 6, "bottle")]


def test_size_picks_the_pack_and_multiplier_counts_it(catalog: Catalog) -> None:
    assert lines("dhara tel 5 ltr x4", catalog) == [("OIL-DHARA-5L", 4, None)]
    assert lines("dhara 1ltr x12", catalog) == [("OIL-DHARA-1L", 12, None)]
    assert lines("coke 500ml x 48 bottles", catalog) == [("COKE-500", 48, "bottle")]
    assert lines("coke 2.25L 6 btl", catalog) == [("COKE-2L", 6, "bottle")]
    assert lines("coke 2 litre wali 6 bottle", catalog) == [("COKE-2L", 6, "bottle")]
    assert lines("5 litre dhara x 2", catalog) == [("OIL-DHARA-5L", 2, None)]
    assert lines("ghiu 1 litre ko 2 wota", catalog) == [("GHEE-AMUL-1L", 2, "piece")]


def test_weight_of_a_packaged_product_is_kept_as_written(catalog: Catalog) -> None:
    assert lines("tata salt 10 kg", catalog) == [("SALT-TATA-1", 10, "kg")]
    assert lines("dudh 2 litre", catalog) == [("MILK-DDC-500", 2, "l")]


def test_a_pack_size_the_catalog_lacks_is_unmatched(catalog: Catalog) -> None:
    result = parse_text("coke 250ml 2 ctn", catalog)
    assert result.items == [] and result.unmatched == ["coke 250 ml"]


def test_unmatched_fragments_are_reported_not_forced(catalog: Catalog) -> None:
    result = parse_text("chini 1 bora, moong dal 10 kg, cement 5 bag, iphone charger 2 piece",
                        catalog)
    assert [i.sku for i in result.items] == ["SUGAR", "DAL-MOONG"]
    assert result.unmatched == ["cement", "iphone charger"]
    result = parse_text("सिमेन्ट ५ बोरा र चिनी १ बोरा", catalog)
    assert result.unmatched == ["सिमेन्ट"]
    assert parse_text("also need 2 kg cashew", catalog).unmatched == ["cashew"]


def test_nepali_pani_after_a_noun_means_too(catalog: Catalog) -> None:
    assert lines("nun 1 peti pani", catalog) == [("SALT-TATA-1", 1, "carton")]
    assert lines("pani 3 peti", catalog) == [("WATER-1L", 3, "carton")]
    result = parse_text("10 jor chappal pani pathaunu", catalog)
    assert result.items == [] and result.unmatched == ["chappal"]


def test_quantity_for_a_product_named_in_a_question(catalog: Catalog) -> None:
    assert lines("dai chini ko bhau kati ho? 2 bora pathaidinu", catalog) == [
        ("SUGAR", 2, "sack")]


def test_alternatives_when_two_products_are_close(catalog: Catalog) -> None:
    item = parse_text("dhara 1 peti", catalog).items[0]
    assert item.sku == "OIL-DHARA-1L"
    assert "OIL-DHARA-5L" in item.alternatives
    assert item.confidence < 0.9
    clear = parse_text("dhara tel 1 ltr 1 peti", catalog).items[0]
    assert clear.alternatives == () and clear.confidence > 0.9


def test_devanagari_matching(catalog: Catalog) -> None:
    assert lines("५ किलो चिनी, २ पेटी वाइवाइ", catalog) == [
        ("SUGAR", 5, "kg"), ("WAIWAI-CHICKEN", 2, "carton")]
    assert lines("२ दर्जन अण्डा, ४ पोका दुध", catalog) == [
        ("EGGS", 2, "dozen"), ("MILK-DDC-500", 4, "packet")]
    assert lines("भैया, १० किलो चीनी भेज दो", catalog) == [("SUGAR", 10, "kg")]


@pytest.mark.parametrize(("text", "sku"), [
    ("suger 50kg", "SUGAR"), ("cheeni 5 kg", "SUGAR"), ("chinni 5 kg", "SUGAR"),
    ("चिनी 5 kg", "SUGAR"), ("maggie 1 ctn", "MAGGI-70"), ("coka cola 2 ctn", "COKE-500"),
    ("horliks 6 jar", "HORLICKS-500"), ("colget 12 pcs", "TOOTHPASTE-COLGATE-100"),
    ("lifboy 24 pcs", "SOAP-LIFEBUOY-100"), ("candels 10 pkt", "CANDLE"),
    ("watr 1L 5ctn", "WATER-1L"), ("lehsun 3 kilo", "GARLIC"), ("redbul 1 ctn", "REDBULL-250"),
    ("wisper 12 pkt", "SANITARY-WHISPER"), ("sarson tel 2 ltr", "OIL-DHARA-1L"),
])
def test_typos_and_transliteration(catalog: Catalog, text: str, sku: str) -> None:
    assert [i.sku for i in parse_text(text, catalog).items] == [sku]


def test_pack_unit_the_product_lacks_becomes_its_pack(catalog: Catalog) -> None:
    # Milk comes in crates: a buyer's `peti` of milk is the crate.
    assert lines("dudh 1 peti", catalog) == [("MILK-DDC-500", 1, "crate")]


def test_language_guess(catalog: Catalog) -> None:
    assert parse_text("need 3 cartons coke 500ml and a dozen eggs", catalog).language == "en"
    assert parse_text("dai 5 kg chini ra 2 peti wai wai pathaidinu", catalog).language == "ne"
    assert parse_text("bhaiya 10 kilo cheeni aur 2 peti maggi bhej do", catalog).language == "hi"
    assert parse_text("५ किलो चिनी पठाइदिनु", catalog).language == "ne"
    assert parse_text("...", catalog).language is None
