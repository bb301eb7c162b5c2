"""Reading the recogniser's per-frame probabilities against the order vocabulary.

The probabilities are written by hand here, one frame per letter, so each test states what
the recogniser saw: which letters it was sure of and which ones it hesitated over.
"""

from __future__ import annotations

import numpy as np
import pytest

from parsers.ocr import ppocr

pytestmark = pytest.mark.skipif(not ppocr.available(),
                                reason="onnxruntime or the rapidocr models are not installed")

Frame = str | dict[str, float]


def frames(*letters: Frame) -> np.ndarray:
    """CTC output for `letters`: each a sure letter or {letter: probability}; a blank frame
    follows each so repeated letters stay apart, and what a frame leaves goes to the blank."""
    index = {c: i for i, c in enumerate(ppocr.charset()) if c}
    rows = []
    for letter in letters:
        row = np.zeros(len(ppocr.charset()), np.float32)
        for char, p in ({letter: 0.98} if isinstance(letter, str) else letter).items():
            row[index[char]] = p
        row[0] = 1.0 - row.sum()
        blank = np.zeros_like(row)
        blank[0] = 1.0
        rows += [row, blank]
    return np.stack(rows)


def word(text: str) -> list[Frame]:
    return list(text)


def read(probs: np.ndarray, phrases: tuple[str, ...] = ()) -> str:
    from parsers.ocr.ctc import build_vocabulary, correct_line

    return correct_line(probs, build_vocabulary(phrases))


def test_a_unit_the_recogniser_half_saw_is_read_after_a_number():
    probs = frames(*word("lasun"), " ", "3", " ", "k", {"s": 0.6, "g": 0.3})
    assert read(probs) == "lasun 3 kg"


def test_a_word_read_clearly_is_never_changed():
    probs = frames(*word("payment"), " ", *word("kal"))
    assert read(probs) == "payment kal"


def test_a_letter_before_a_pack_word_is_read_as_a_count():
    probs = frames(*word("lux"), " ", {"I": 0.6, "1": 0.3}, " ", *word("peti"))
    assert read(probs) == "lux 1 peti"


def test_a_number_word_is_preferred_before_a_unit():
    # "dai" (elder brother) and "dui" (two) differ in one hesitant letter.
    probs = frames("d", {"a": 0.55, "u": 0.4}, "i", " ", *word("kg"), " ", *word("masuro"))
    assert read(probs) == "dui kg masuro"


def test_a_glued_quantity_becomes_a_round_number_and_a_known_unit():
    probs = frames(*word("rice"), " ", "2", "5", {"1": 0.35, "k": 0.21, "7": 0.14}, "g")
    assert read(probs) == "rice 25kg"


def test_a_misread_product_name_takes_the_catalog_spelling():
    probs = frames(*word("bas"), {"m": 0.9}, {"s": 0.55, "a": 0.4}, *word("ti"), " ",
                   *word("10kg"))
    assert read(probs, ("Basmati Rice",)) == "basmati 10kg"


def test_a_lost_space_is_put_back_for_a_catalog_phrase():
    probs = frames(*word("jeera"), {" ": 0.3}, *word("masino"))
    assert read(probs, ("jeera masino",)) == "jeera masino"


def test_an_unknown_word_far_from_every_known_one_stays():
    probs = frames(*word("iphone"), " ", *word("charger"), " ", "2", " ", *word("piece"))
    assert read(probs) == "iphone charger 2 piece"


def test_punctuation_stays_around_a_corrected_word():
    probs = frames("2", " ", "k", {"s": 0.6, "g": 0.3}, ".", " ", *word("bholi"))
    assert read(probs) == "2 kg. bholi"


def test_digit_and_letter_variants_read_as_plain_ascii():
    # The recogniser knows circled, full-width and roman forms; a list means plain ones.
    probs = frames(*word("chiwda"), " ", "⑤", *word("kilo"), " ", "Ｏ", "Ｋ")
    assert read(probs) == "chiwda 5kilo ok"


def test_known_words_written_together_are_parted():
    probs = frames(*word("chamalborabasmati"), " ", *word("10kg"))
    assert read(probs, ("Mansuli Rice chamal", "Basmati Rice")) == "chamal bora basmati 10kg"


def test_an_unknown_long_word_is_not_cut_into_syllables():
    probs = frames(*word("payment"), " ", *word("karunga"))
    assert read(probs) == "payment karunga"
