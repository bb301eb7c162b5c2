"""Result types of a parse, shared by the rule-based and the LLM parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParsedItem:
    """One order line matched to the catalog.

    `unit` is a canonical unit name (`kg`, `carton`, ...) or None for the product's base
    unit; `text` is the fragment as the buyer wrote it; `alternatives` lists other SKUs that
    matched almost as well, so the conversation can ask instead of guessing.
    """

    sku: str
    quantity: float
    unit: str | None
    confidence: float = 1.0
    text: str = ""
    alternatives: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The line in the `python -m parsers` output shape (`sku`, `quantity`, `unit`)."""
        quantity: float | int = self.quantity
        if float(quantity).is_integer():
            quantity = int(quantity)
        return {"sku": self.sku, "quantity": quantity, "unit": self.unit}


@dataclass
class ParseResult:
    """Everything read from one message.

    `unmatched` holds the fragments that name something the catalog lacks, as written;
    `engine` says which parser produced the items (`rules` or `llm`); `language` is a guess
    (`en`, `ne`, `hi`) or None. `intent` is what the message does: `order` (it has items or
    unmatched fragments), `question` (a price or stock question: `asked` holds the SKUs it
    names), `complaint` (about a delivery; `asked` as well), `greeting` or `other`. `work`
    counts the tokens and candidates the parser looked at (it grows linearly with the text).
    """

    items: list[ParsedItem] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    engine: str = "rules"
    language: str | None = None
    intent: str = "order"
    asked: list[str] = field(default_factory=list)
    work: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The result in the `python -m parsers` output shape, without the id."""
        return {"items": [item.to_dict() for item in self.items], "unmatched": list(self.unmatched)}
