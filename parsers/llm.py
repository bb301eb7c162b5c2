"""LLM parser (placeholder until the full implementation lands): always the rules."""

from __future__ import annotations

import os
from dataclasses import dataclass

from parsers.catalog import Catalog
from parsers.model import ParseResult
from parsers.text import parse_text


@dataclass(frozen=True)
class LLMConfig:
    """Connection settings for an OpenAI-compatible endpoint."""

    api_key: str
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    timeout: float = 8.0

    @classmethod
    def from_env(cls) -> LLMConfig | None:
        """Settings from OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL, None when unset."""
        key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            return None
        return cls(key, os.environ.get("OPENAI_BASE_URL") or None,
                   os.environ.get("OPENAI_MODEL") or "gpt-4o-mini")


def parse_with_llm(message: str, catalog: Catalog, config: LLMConfig) -> ParseResult:
    """Parse with the LLM, falling back to the rules."""
    return parse_text(message, catalog)
