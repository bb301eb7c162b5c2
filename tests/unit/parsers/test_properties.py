"""Property tests: any text parses without raising, yields only catalog SKUs, and costs work
linear in its length (counted, not timed: tokens looked at, and words times candidates
scored, which the parser reports as `ParseResult.work`)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parsers import Catalog, is_order_like, parse_text

WORDS = ["chini", "10", "kg", "bora", "x4", "*", "peti", "dhara", "५", "किलो", "@", "rs", "ra",
         "and", "1/2", "dhai", "sawa", "do", "tin", "coke", "500ml", "(", ")", "\n", ",", "-",
         "#", "9801234567", "15/06", "pani", "hide", "seek", "dozen", "a", "ढाई", "０", "½",
         # the words the hard cases turn on: intent, corrections, particles, case endings
         "छ", "0", "0.0", "chha", "chai", "chiya", "tel", "?", "not", "nahi", "hoina", "sorry",
         "make", "it", "+", "extra", "thap", "sau", "hajar", "twenty", "one", "half", "couple",
         "of", "saadhe", "paune", "wala", "ko", "चिनीको", "लिटरको", "मा", "लाई", "broken",
         "hijo", "kati", "rate", "stock", "total", "please", "ruchi", "2.25", "..."]
INTENTS = {"order", "question", "complaint", "greeting", "other"}

# OCR noise: letters read as digits and marks, stray symbols, broken Devanagari.
NOISE = ["0", "O", "1", "l", "|", "I", "~", "`", "‘", "’", "“", ".", "..", "—", "_", "॥", "्",
         "ं", "़", "\u200d", "\ufeff", "\t", "  "]
EMOJI = ["🙏", "👍", "😊", "🛒", "❤️", "🇳🇵", "✅"]
DIGITS = st.text(alphabet="0123456789०१२३४५६७८९.,/", min_size=1, max_size=6)

FIXTURE_CHECK = HealthCheck.function_scoped_fixture  # the catalog fixture is read-only

# Numbers written next to each other in any script and form (`छ 0` once crashed on 3.11).
NUMBERS = ["छ", "ek", "one", "dui", "दुई", "twenty", "saadhe", "paune", "sawa", "dhai", "half",
           "adha", "sau", "hajar", "0", "0.5", "1/2", "०", "२.५", "3", "and", "a", "kg", "peti"]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(NUMBERS), DIGITS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=0x0900, max_codepoint=0x097F), max_size=60),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(NOISE), st.sampled_from(EMOJI),
                       DIGITS, st.text(max_size=4)), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(WORDS), DIGITS, st.sampled_from(EMOJI)),
             max_size=40).map(" ".join),
)


def work_bound(catalog: Catalog, text: str) -> int:
    """Generous and linear: every character may start a word, every word may be scored
    against every product, plus a constant."""
    return (len(catalog) + 10) * (len(text) + 1)


def check(catalog: Catalog, text: str) -> None:
    result = parse_text(text, catalog)
    for item in result.items:
        assert item.sku in catalog
        assert item.quantity > 0
        assert 0 <= item.confidence <= 1
        assert all(alt in catalog for alt in item.alternatives)
    assert all(isinstance(u, str) and u for u in result.unmatched)
    assert result.intent in INTENTS
    assert all(sku in catalog for sku in result.asked)
    assert result.intent != "order" or result.items or result.unmatched
    assert 0 <= result.work <= work_bound(catalog, text)
    result.to_dict()


@settings(max_examples=400, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(texts)
@example("छ 0")
def test_never_raises_and_only_known_skus(catalog: Catalog, text: str) -> None:
    check(catalog, text)
    is_order_like(text)
    is_order_like(text, catalog)


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(texts, st.integers(min_value=2, max_value=60), st.sampled_from([" ", "\n", ", ", ""]))
def test_work_stays_linear_on_long_text(catalog: Catalog, text: str, times: int,
                                        joint: str) -> None:
    # A long message made of a short one repeated: the same per-character bound holds, so
    # the work cannot grow faster than the text (a quadratic step would break it here).
    check(catalog, joint.join([text] * times))


def test_work_of_a_repeated_message_grows_in_proportion(catalog: Catalog) -> None:
    one = "chini 2 kg, dhara tel 1 peti, maggi chai 2 peti ra coke pani 1 peti. hijo ko? "
    base = parse_text(one, catalog).work
    for times in (10, 100):
        assert parse_text(one * times, catalog).work <= times * base * 1.1
    word_soup = "chini dhara coke maggi tokla chiya pani ruchi soya tel " * 300  # one long run
    assert parse_text(word_soup, catalog).work <= work_bound(catalog, word_soup) // 10


@settings(max_examples=200, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(st.text(max_size=80))
def test_match_never_raises(catalog: Catalog, text: str) -> None:
    for sku, score in catalog.match(text):
        assert sku in catalog and score > 0


def test_is_order_like() -> None:
    assert is_order_like("chini 5 kg")
    assert is_order_like("२ पेटी कोक")
    assert not is_order_like("thank you dai")
    assert not is_order_like("")
