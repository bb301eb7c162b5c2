"""Rule-based order parser: message -> segments -> quantity/name groups -> catalog items.

A message is cut into segments at commas, new lines, sentence ends, list bullets and
conjunctions (`ra`, `ani`, `aur`, `and`). Inside a segment, runs of words are paired with the
quantities around them: `chini 10 kg` (name first) and `10 kg chini` (quantity first) are both
common, and unseparated lists (`10kg chini 5kg moong dal 2ctn wai wai`) keep one order per
segment. Each run is matched to the catalog; sizes (`dhara 5 ltr`, `coke 500ml`) choose
between pack variants and multipliers (`x4`) count packs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers import lexicon as lx
from parsers.catalog import (
    Candidate,
    Catalog,
    CatalogIndex,
    ProductSpec,
    sizes_compatible,
    to_metric,
)
from parsers.model import ParsedItem, ParseResult
from parsers.normalize import clean_text, fold, has_devanagari
from parsers.tokens import MULT, NUM, UNIT, WORD, Tok, lex
from parsers.units import to_base_quantity

ALTERNATIVE_GAP = 0.06  # candidates this close to the best are offered as alternatives
VARIANT_WINDOW = 0.35  # how far below the best a size-matching variant may score and still win

_SEPARATORS = re.compile(r"[,;\n\u0964|!?]|\.(?=\s|$)|:(?!\d)|\+|\s/\s")
_BULLET = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-*\u2022\u00b7>]+)\s+(?=\S)")
_ASIDE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_ABBREVIATION_DOT = re.compile(r"\b(rs|no|nos|qty|pcs|pkt|ltr|kg|gm)\.(?=\s*\d)", re.IGNORECASE)


@dataclass
class Quantity:
    """A number with an optional canonical unit (`multiplier` for `x4`)."""

    value: float
    unit: str | None
    raw: str
    multiplier: bool = False

    @property
    def metric(self) -> tuple[float, str] | None:
        return to_metric(self.value, self.unit) if self.unit else None


@dataclass
class Run:
    """Consecutive words of a segment: what they say, and the catalog's best guesses."""

    words: list[Tok]
    content: list[Tok]
    hints: list[str]
    ranked: list[Candidate] = field(default_factory=list)

    @property
    def text(self) -> str:
        if not self.content:
            return ""
        first = self.words.index(self.content[0])
        last = self.words.index(self.content[-1])
        return " ".join(t.raw for t in self.words[first:last + 1])


@dataclass
class Group:
    """One order line: a run of words and the quantities that belong to it."""

    run: Run
    quantities: list[Quantity] = field(default_factory=list)


@dataclass
class _State:
    """What one message has said so far, for lines like `2 bora pathaidinu` after a question."""

    mentioned: Run | None = None
    items: list[ParsedItem] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def split_segments(message: str) -> tuple[list[str], list[str]]:
    """Segments of a message and its parenthesised asides (prices, phones, notes)."""
    text = clean_text(message)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,000
    text = _ABBREVIATION_DOT.sub(r"\1 ", text)
    asides = [a or b for a, b in _ASIDE.findall(text)]
    text = _ASIDE.sub("\n", text)
    segments: list[str] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line)
        segments.extend(s.strip() for s in _SEPARATORS.split(line) if s.strip())
    return segments, asides


def _split_conjunctions(toks: list[Tok], index: CatalogIndex) -> list[list[Tok]]:
    """Cut at `ra ani aur and`, except inside a catalog name (`hide and seek`)."""
    parts: list[list[Tok]] = [[]]
    for i, tok in enumerate(toks):
        if tok.kind == WORD and tok.key in lx.CONJUNCTIONS and not _protected(toks, i, index):
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def _protected(toks: list[Tok], i: int, index: CatalogIndex) -> bool:
    if not index.conjunction_phrases:
        return False
    for size in (3, 4, 5):
        for start in range(max(0, i - size + 2), i):
            window = toks[start:start + size]
            if len(window) == size and all(t.kind == WORD for t in window):
                if tuple(t.key for t in window) in index.conjunction_phrases:
                    return True
    return False


def _content_words(words: list[Tok]) -> list[Tok]:
    content: list[Tok] = []
    for tok in words:
        if lx.is_filler(tok.key) or tok.key in lx.INFO_WORDS or tok.key in lx.CONJUNCTIONS:
            continue
        if tok.key in lx.PARTICLE_ALIASES and content:
            continue  # `chappal pani`: "sandals too", not water
        content.append(tok)
    return content


def _elements(toks: list[Tok], index: CatalogIndex) -> list[Run | Quantity]:
    """The segment as runs of words and quantities, in order."""
    out: list[Run | Quantity] = []
    words: list[Tok] = []
    hints: list[str] = []

    def flush() -> None:
        if words or hints:
            content = _content_words(words)
            if content:
                run = Run(list(words), content, list(hints))
                run.ranked = index.rank([t.raw for t in content])
                out.append(run)
            elif hints and out and isinstance(out[-1], Run):
                out[-1].hints.extend(hints)
        words.clear()
        hints.clear()

    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == WORD:
            words.append(tok)
        elif tok.kind == UNIT and tok.bare:
            if tok.unit:
                hints.append(tok.unit)
        elif tok.kind == NUM and tok.value is not None:
            flush()
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is not None and nxt.kind == UNIT and not nxt.bare:
                out.append(Quantity(float(tok.value), nxt.unit, f"{tok.raw} {nxt.raw}"))
                i += 1
            else:
                out.append(Quantity(float(tok.value), None, tok.raw))
        elif tok.kind == MULT and tok.value is not None:
            flush()
            out.append(Quantity(float(tok.value), tok.unit, tok.raw, multiplier=True))
        i += 1
    flush()
    return out


def _top_product(run: Run, index: CatalogIndex) -> ProductSpec | None:
    if run.ranked and run.ranked[0].accepted:
        return index.products[run.ranked[0].index]
    return None


def _size_fits(q: Quantity, product: ProductSpec | None, index: CatalogIndex | None = None,
               i: int | None = None) -> bool:
    """Does a weight/volume name the pack of this product rather than an amount of it?"""
    metric = q.metric
    if metric is None or product is None:
        return False
    sizes = [product.metric_content] if product.metric_content else []
    if index is not None and i is not None:
        sizes.extend(s for phrase in index.phrases[i] for s in phrase.sizes)
    if product.base_unit in ("kg", "l"):
        sizes.extend((f, product.base_unit) for f in product.pack_units.values())
    return any(s is not None and sizes_compatible(metric, s) for s in sizes)


def _group(elements: list[Run | Quantity], index: CatalogIndex) -> tuple[list[Group], list[Run]]:
    """Pair runs with quantities; also return the runs that got none (mentions).

    Both readings, name-first (`chini 10 kg`) and quantity-first (`10 kg chini`), are tried;
    the one that gives more named products their quantities wins, and the reading the segment
    starts with breaks ties.
    """
    if not any(isinstance(e, Quantity) for e in elements):
        return [], [e for e in elements if isinstance(e, Run)]
    starts_with_quantity = isinstance(elements[0], Quantity)
    readings = [
        (_reading_score(_group_name_first(elements), elements, index)
         + (0.0 if starts_with_quantity else 0.5), 1, _group_name_first(elements)),
        (_reading_score(_group_quantity_first(elements, index), elements, index)
         + (0.5 if starts_with_quantity else 0.0), 0, _group_quantity_first(elements, index)),
    ]
    groups = max(readings, key=lambda r: (r[0], r[1]))[2]
    mentions = [g.run for g in groups if not g.quantities]
    return [g for g in groups if g.quantities], mentions


def _reading_score(groups: list[Group], elements: list[Run | Quantity],
                   index: CatalogIndex) -> float:
    used = sum(len(g.quantities) for g in groups)
    lost = sum(isinstance(e, Quantity) for e in elements) - used
    score = -float(lost)
    for group in groups:
        if not group.quantities:
            continue
        product = _top_product(group.run, index)
        if product is None:
            score -= 1.0
        elif _units_fit(group.quantities, product):
            score += 2.0
        else:
            score -= 1.5  # `white 2 litre` is not bread: a unit that cannot apply is worse
    return score


def _units_fit(quantities: list[Quantity], product: ProductSpec) -> bool:
    """Can every unit written in the group apply to the product?"""
    return all(
        q.unit is None or to_base_quantity(product, 1.0, fit_unit(q.unit, product), strict=False)
        is not None
        for q in quantities
    )


def _group_name_first(elements: list[Run | Quantity]) -> list[Group]:
    groups: list[Group] = []
    for element in elements:
        if isinstance(element, Run):
            groups.append(Group(element))
        elif groups:
            groups[-1].quantities.append(element)
    return groups


def _group_quantity_first(elements: list[Run | Quantity], index: CatalogIndex) -> list[Group]:
    groups: list[Group] = []
    pending: list[Quantity] = []
    for element in elements:
        if isinstance(element, Run):
            groups.append(Group(element, list(pending)))
            pending = []
            continue
        last = groups[-1] if groups else None
        follows_run = last is not None and not pending
        # `5 litre dhara x 2`, `3 cartons coke 500ml`: a multiplier or a pack size right
        # after a name still belongs to it.
        if follows_run and last is not None and (
            element.multiplier or _size_fits(element, _top_product(last.run, index))
        ):
            last.quantities.append(element)
        else:
            pending.append(element)
    if pending and groups:
        groups[-1].quantities.extend(pending)
    return groups


def _choose_product(group: Group, index: CatalogIndex) -> tuple[Candidate, list[Candidate]] | None:
    """Best candidate for a group, letting sizes and unit hints pick among close variants."""
    ranked = [c for c in group.run.ranked if c.accepted]
    if not ranked:
        return None
    best = ranked[0].score
    window = [c for c in ranked if c.score >= best - VARIANT_WINDOW]
    sized = [c for c in window
             if any(_size_fits(q, index.products[c.index], index, c.index)
                    and _names_size(q, index, c.index) for q in group.quantities)]
    if sized:
        window = sized
    elif _contradicting_size(group, index, window):
        return None  # `coke 250ml 2 ctn`: a pack size the catalog does not have
    elif len(window) > 1:
        window = [c for c in window if c.score >= best - ALTERNATIVE_GAP] or window
    fitting = [c for c in window if _units_fit(group.quantities, index.products[c.index])]
    if fitting:
        window = fitting
    hinted = [c for c in window if _hint_fits(group, index.products[c.index])]
    if hinted:
        window = hinted
    window.sort(key=lambda c: (-c.score, c.index))
    chosen = window[0]
    alternatives = [c for c in window[1:] if c.score >= chosen.score - ALTERNATIVE_GAP]
    return chosen, alternatives


def _contradicting_size(group: Group, index: CatalogIndex, window: list[Candidate]) -> bool:
    """A pack size written next to a count that no packaged candidate comes in."""
    if len(group.quantities) < 2:
        return False
    measures = [q for q in group.quantities if q.metric is not None and not q.multiplier]
    if len(measures) != 1:
        return False
    products = [index.products[c.index] for c in window]
    if any(p.metric_content is None for p in products):
        return False
    return not any(_size_fits(measures[0], p, index, c.index)
                   for p, c in zip(products, window, strict=True))


def _names_size(q: Quantity, index: CatalogIndex, i: int) -> bool:
    """A size picks a variant only when it is that variant's content or a size in its name."""
    metric = q.metric
    product = index.products[i]
    sizes = [product.metric_content] if product.metric_content else []
    sizes.extend(s for phrase in index.phrases[i] for s in phrase.sizes)
    return metric is not None and any(s is not None and sizes_compatible(metric, s) for s in sizes)


def _hint_fits(group: Group, product: ProductSpec) -> bool:
    units = set(group.run.hints)
    return bool(units) and any(u == product.base_unit or u in product.pack_units for u in units)


def fit_unit(unit: str | None, product: ProductSpec) -> str | None:
    """The buyer's unit, or the product's only pack when the buyer named another pack.

    `1 peti dudh` means the crate milk comes in; weights, volumes and count units are kept
    as written (they convert through the content or stand for one another).
    """
    if unit is None or unit in lx.MEASURE_UNITS or unit in lx.COUNT_UNITS or unit == "dozen":
        return unit
    if unit == product.base_unit or unit in product.pack_units:
        return unit
    if unit == "box" and product.base_unit in ("tin", "jar"):
        return product.base_unit  # a dabba of ghee is the tin itself
    packs = [u for u in product.pack_units if u in lx.PACK_UNITS]
    if unit in lx.PACK_UNITS and len(packs) == 1:
        return packs[0]
    return unit


def resolve_quantities(quantities: list[Quantity], product: ProductSpec, index: CatalogIndex,
                       i: int) -> list[tuple[float, str | None]]:
    """(quantity, unit) lines for one product from the numbers written next to it."""
    plain = [q for q in quantities if not q.multiplier]
    mults = [q for q in quantities if q.multiplier]
    if len(quantities) > 1:
        sized = [q for q in plain if _size_fits(q, product, index, i)]
        if sized and (len(plain) > 1 or mults):
            plain.remove(sized[0])
    if len(plain) > 1:
        counts = [q for q in plain if q.unit not in lx.MEASURE_UNITS]
        plain = counts or plain[:1]
        if not mults:
            return [(q.value, q.unit) for q in plain]
    if mults:
        m = mults[-1]
        if plain and m.unit is None:
            return [(plain[0].value * m.value, plain[0].unit)]
        return [(m.value, m.unit)]
    return [(plain[0].value, plain[0].unit)] if plain else []


def _emit(group: Group, index: CatalogIndex, state: _State) -> None:
    choice = _choose_product(group, index)
    if choice is None:
        if any(c.accepted for c in group.run.ranked):
            # A known product in a size it does not come in: the size is what is missing.
            sizes = " ".join(q.raw for q in group.quantities if q.metric and not q.multiplier)
            state.unmatched.append(f"{group.run.text} {sizes}".strip())
        elif group.run.content:
            state.unmatched.append(group.run.text)
        return
    chosen, alternatives = choice
    product = index.products[chosen.index]
    confidence = round(min(1.0, chosen.score) * (0.7 if alternatives else 1.0), 3)
    alt_skus = tuple(index.products[c.index].sku for c in alternatives)
    quantity_text = " ".join(q.raw for q in group.quantities)
    for value, unit in resolve_quantities(group.quantities, product, index, chosen.index):
        if value <= 0:
            continue
        state.items.append(ParsedItem(
            sku=product.sku, quantity=round(value, 4), unit=fit_unit(unit, product),
            confidence=confidence, text=f"{group.run.text} {quantity_text}".strip(),
            alternatives=alt_skus,
        ))


def _parse_segment(toks: list[Tok], index: CatalogIndex, state: _State, aside: bool) -> None:
    elements = _elements(toks, index)
    groups, mentions = _group(elements, index)
    asks = any(t.kind == WORD and t.key in lx.INFO_WORDS for t in toks)
    if not groups and not mentions and elements and not asks and state.mentioned is not None:
        # `dai chini ko bhau kati ho? 2 bora pathaidinu`: the quantity is for the product just
        # named, unless this line asks for something (a rate) rather than orders it.
        groups = [Group(state.mentioned, [e for e in elements if isinstance(e, Quantity)])]
        state.mentioned = None
    for group in groups:
        if aside:
            probe = _State()
            _emit(group, index, probe)
            state.items.extend(probe.items)
        else:
            _emit(group, index, state)
    matched_mentions = [m for m in mentions if m.ranked and m.ranked[0].accepted]
    if matched_mentions and not aside:
        state.mentioned = matched_mentions[-1]
    elif groups:
        state.mentioned = None


def parse_text(message: str, catalog: Catalog) -> ParseResult:
    """Parse one order message with the rules; never raises on odd text."""
    if not isinstance(message, str) or not message.strip():
        return ParseResult(language=None)
    index = catalog.index
    segments, asides = split_segments(message)
    state = _State()
    for aside, texts in ((False, segments), (True, asides)):
        for text in texts:
            for part in _split_conjunctions(lex(text), index):
                _parse_segment(part, index, state, aside)
    return ParseResult(items=state.items, unmatched=state.unmatched, engine="rules",
                       language=guess_language(message))


_NEPALI = frozenset(fold(w) for w in (
    "dai", "ra", "ani", "pathaidinu", "pathaunu", "chahiyo", "wota", "ko", "ma", "cha", "chha",
    "hajur", "bholi", "pani", "kati", "dui", "bhau", "hola", "pathaidinus", "vata", "peti",
    "bora", "chamal", "chini", "nun", "tel", "poka", "chiya", "saman", "aaipugyo", "ho", "ta"))
_HINDI = frozenset(fold(w) for w in (
    "bhaiya", "aur", "bhejna", "bhej", "bhejo", "chahiye", "ka", "ke", "ki", "hai", "kya",
    "kitna", "do", "teen", "dena", "kal", "aaj", "chawal", "cheeni", "namak", "doodh", "wala",
    "wali", "karunga", "nahi", "bhi", "sir", "paanch", "batao", "bori", "darjan", "kilo"))
_ENGLISH = frozenset(fold(w) for w in (
    "please", "pls", "plz", "send", "need", "and", "the", "of", "thanks", "thank", "you", "what",
    "is", "price", "order", "tomorrow", "today", "by", "good", "morning", "hi", "hello", "got",
    "sugar", "rice", "oil", "salt", "eggs", "bread", "milk", "cartons", "carton", "packets"))


def guess_language(message: str) -> str | None:
    """'en', 'ne' or 'hi' from script and marker words; None when nothing tells."""
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", clean_text(message)) if w]
    scores = {
        "ne": sum(w in _NEPALI for w in words),
        "hi": sum(w in _HINDI for w in words),
        "en": sum(w in _ENGLISH for w in words),
    }
    if has_devanagari(message):
        scores["en"] = 0
        if scores["ne"] == scores["hi"]:
            return "ne"
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else None


def is_order_like(message: str, catalog: Catalog | None = None) -> bool:
    """Does this text look like an order (a quantity next to a product or item name)?

    With a catalog the message is parsed; without one a quantity next to a word is enough.
    """
    if catalog is not None:
        result = parse_text(message, catalog)
        return bool(result.items or result.unmatched)
    segments, _ = split_segments(message)
    for segment in segments:
        toks = lex(segment)
        has_number = any(t.kind in (NUM, MULT) for t in toks)
        has_word = any(t.kind == WORD and not lx.is_filler(t.key) for t in toks)
        if has_number and has_word:
            return True
    return False

