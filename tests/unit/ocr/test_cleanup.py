"""General OCR repairs: digits for lookalike letters, bullets, numbering, wrapped lines."""

from __future__ import annotations

import pytest

from parsers.ocr.cleanup import clean_lines, fix_number_confusions


@pytest.mark.parametrize(("raw", "fixed"), [
    ("chini lO kg", "chini 10 kg"),
    ("tomato sauce lkg x 6", "tomato sauce 1kg x 6"),
    ("atta S kg", "atta 5 kg"),
    ("coke 5O0ml", "coke 500ml"),
    ("dhara 1 Itr", "dhara 1 ltr"),
    ("water 1 itr 5 carton", "water 1 ltr 5 carton"),
    ("Itrs 5", "ltrs 5"),
    ("goodday Ictn", "goodday 1ctn"),
    ("maggi x l2", "maggi x 12"),
    ("Oil 1 ltr", "Oil 1 ltr"),
    ("so kg", "so kg"),
    ("Sugar 10 kg", "Sugar 10 kg"),
    ("lifebuoy soap", "lifebuoy soap"),
])
def test_fix_number_confusions(raw, fixed):
    assert fix_number_confusions(raw) == fixed


def test_bullets_checkboxes_and_numbering_are_stripped():
    raw = ["• chini 10 kg", "☐ dal 5 kg", "- masoor 2 kg", "1. maida 1 bora", "2) suji 10 kg",
           "(3) besan 5 kg |", "a) tel 2 peti", "» rice 25 kg"]
    assert clean_lines(raw) == ["chini 10 kg", "dal 5 kg", "masoor 2 kg", "maida 1 bora",
                                "suji 10 kg", "besan 5 kg", "tel 2 peti", "rice 25 kg"]


def test_quantities_at_line_start_are_kept():
    assert clean_lines(["1.5 kg chini", "2 kg dal", "3 kg masoor"]) == [
        "1.5 kg chini", "2 kg dal", "3 kg masoor"]


def test_numbering_that_lost_its_dot_is_dropped_when_lines_count_up():
    assert clean_lines(["1 soya chunks 1 peti", "2 oats 6 packet", "3 cornflakes 4 box"]) == [
        "soya chunks 1 peti", "oats 6 packet", "cornflakes 4 box"]


def test_numbering_before_a_devanagari_quantity_is_dropped():
    assert clean_lines(["1. ३ किलो प्याज", "2. आधा किलो अदुवा"]) == ["३ किलो प्याज",
                                                                    "आधा किलो अदुवा"]


def test_wrapped_quantity_joins_its_item():
    assert clean_lines(["dhara tel 5 ltr", "x 4", "chini 10 kg"]) == [
        "dhara tel 5 ltr x 4", "chini 10 kg"]


def test_noise_lines_are_dropped():
    assert clean_lines(["|", "।", "—", "", "  ", "chini 10 kg", "~ ."]) == ["chini 10 kg"]


@pytest.mark.parametrize(("raw", "fixed"), [
    ("lux I peti", "lux 1 peti"),
    ("also I bora chini", "also 1 bora chini"),
    ("dalda 1 ltr I carton", "dalda 1 ltr 1 carton"),
    ("tata salt lo pkt", "tata salt 10 pkt"),
    ("so peti", "so peti"),
    ("dhara 5 litre ko jar", "dhara 5 litre ko jar"),
    ("पू किलो चावल", "५ किलो चावल"),
    ("प् किलो चावल", "५ किलो चावल"),
    ("पुरानो चामल", "पुरानो चामल"),
])
def test_a_lookalike_before_a_pack_word_is_a_count(raw, fixed):
    assert fix_number_confusions(raw) == fixed


def test_numbering_glued_to_a_quantity_is_dropped_when_the_list_is_numbered():
    # The recogniser lost the space after "2.": the other lines show the list is numbered.
    assert clean_lines(["1.adha kg jeera", "2.1 kg besar", "3. 1 kg khursani"]) == [
        "adha kg jeera", "1 kg besar", "1 kg khursani"]


def test_decimal_quantities_in_an_unnumbered_list_stay():
    assert clean_lines(["1.5 kg chini", "2.5 kg dal"]) == ["1.5 kg chini", "2.5 kg dal"]
