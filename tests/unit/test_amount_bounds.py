"""Amounts are checked before they reach a numeric(p, s) column: finite, in range, rounded."""
from __future__ import annotations

from decimal import Decimal

import pytest

from market.catalog_import import RowError, parse_tiers, read_csv
from market.ledger import check_amount


@pytest.mark.parametrize("value, expected", [
    ("0", Decimal("0.00")), ("12.345", Decimal("12.35")), (Decimal("9999999999.99"),
                                                          Decimal("9999999999.99")),
    (" 5 ", Decimal("5.00")), (7, Decimal("7.00")),
])
def test_amounts_that_fit_are_rounded_to_their_places(value, expected):
    assert check_amount(value) == expected


@pytest.mark.parametrize("value, reason", [
    ("NaN", "is not a number"), ("sNaN", "is not a number"), ("Infinity", "is not a number"),
    ("-Infinity", "is not a number"), ("abc", "is not a number"), ("", "is not a number"),
    ("10000000000", "must be less than 10,000,000,000"),
    ("9999999999.995", "must be less than 10,000,000,000"),  # rounds up out of the column
    ("1e30", "must be less than"), ("-1", "must be at least 0"),
])
def test_amounts_that_do_not_fit_say_why(value, reason):
    with pytest.raises(ValueError, match=reason):
        check_amount(value)


def test_precision_scale_and_minimum_are_the_columns():
    assert check_amount("99999999.99", precision=10) == Decimal("99999999.99")
    with pytest.raises(ValueError):
        check_amount("100000000", precision=10)
    with pytest.raises(ValueError, match="at least 0.01"):
        check_amount("0.001", minimum=Decimal("0.01"))
    assert check_amount("-5", minimum=None) == Decimal("-5.00")


def test_import_numbers_are_bounded_too():
    with pytest.raises(RowError, match="tier quantity '1e40' must be less than"):
        parse_tiers("1e40:5")


def test_the_import_takes_off_the_exports_formula_quote():
    text = "code,business_name,phone\nV-1,'=cmd|' /C calc'!A0,'+9779801000001\nV-2,'plain,x\n"
    rows = [row for _, row in read_csv(text)]
    assert rows[0] == {"code": "V-1", "business_name": "=cmd|' /C calc'!A0",
                       "phone": "+9779801000001"}
    assert rows[1]["business_name"] == "'plain"  # a quote before a harmless cell is data
