"""Property tests: any text parses without raising and yields only catalog SKUs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import Catalog, is_order_like, parse_text

WORDS = ["chini", "10", "kg", "bora", "x4", "*", "peti", "dhara", "५", "किलो", "@", "rs", "ra",
         "and", "1/2", "dhai", "sawa", "do", "tin", "coke", "500ml", "(", ")", "\n", ",", "-",
         "#", "9801234567", "15/06", "pani", "hide", "seek", "dozen", "a", "ढाई", "０", "½"]

FIXTURE_CHECK = HealthCheck.function_scoped_fixture  # the catalog fixture is read-only

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=0x0900, max_codepoint=0x097F), max_size=60),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(texts)
def test_never_raises_and_only_known_skus(catalog: Catalog, text: str) -> None:
    result = parse_text(text, catalog)
    for item in result.items:
        assert item.sku in catalog
        assert item.quantity > 0
        assert 0 <= item.confidence <= 1
        assert all(alt in catalog for alt in item.alternatives)
    assert all(isinstance(u, str) and u for u in result.unmatched)
    is_order_like(text)
    is_order_like(text, catalog)


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
