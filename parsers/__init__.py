"""Order parsing: WhatsApp text (or OCR'd list) -> catalog line items.

The rule-based parser (`parse_text`) is the default and the fallback; the LLM parser
(`parse_with_llm`) is used when configured and its answer validates against the catalog.
This package imports nothing of `app/`.
"""

from __future__ import annotations

from parsers.catalog import Catalog, ProductSpec
from parsers.llm import LLMConfig, parse_with_llm
from parsers.model import ParsedItem, ParseResult
from parsers.text import is_order_like, parse_text
from parsers.units import UnitMismatch, display_quantity, to_base_quantity

__all__ = [
    "Catalog", "LLMConfig", "ParseResult", "ParsedItem", "ProductSpec", "UnitMismatch",
    "display_quantity", "is_order_like", "parse", "parse_text", "parse_with_llm",
    "to_base_quantity",
]


def parse(message: str, catalog: Catalog, llm: LLMConfig | None = None) -> ParseResult:
    """Parse one message: with the LLM when `llm` is given (falling back to rules), else rules."""
    if llm is not None:
        return parse_with_llm(message, catalog, llm)
    return parse_text(message, catalog)
