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

from rapidfuzz.distance import OSA

from parsers import lexicon as lx
from parsers.catalog import (
    Candidate,
    Catalog,
    CatalogIndex,
    ProductSpec,
    canonical,
    sizes_compatible,
    to_metric,
)
from parsers.model import ParsedItem, ParseResult
from parsers.normalize import clean_text, fold, has_devanagari
from parsers.tokens import MULT, NUM, UNIT, WORD, Tok, lex, strip_postposition
from parsers.units import to_base_quantity

ALTERNATIVE_GAP = 0.06  # candidates this close to the best are offered as alternatives
VARIANT_WINDOW = 0.35  # how far below the best a size-matching variant may score and still win
MAX_TEXT_QUANTITIES = 8  # an item's `text` quotes at most this many of its numbers

_SEPARATORS = re.compile(r"[,;\n\u0964|!?]|\.(?=\s|$)|:(?!\d)|\+|\s/\s")
_SEPARATOR_KEPT = re.compile(f"({_SEPARATORS.pattern})")
_PLUS_WORD = re.compile(r"(?<=[^\W\d_])\s+plus\s+(?=\d)", re.IGNORECASE)
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
    negated: bool = False  # written after `not`/`hoina`: the wrong number or the right one
    maybe_size: bool = False  # a bare number before the count (`coke 2.25 wala 3 bottle`)

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
    work: list[int] = field(default_factory=lambda: [0])  # what ranking it cost

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
    last: _Line | None = None  # the line a bare `+ 4 packet` or `sorry, 2 kg` changes
    asked: list[str] = field(default_factory=list)  # SKUs asked or complained about
    kinds: list[str] = field(default_factory=list)  # what each part of the message did
    correcting: bool = False  # `sorry,` alone: the next bare quantity replaces the line
    asked_groups: list[Group] = field(default_factory=list)  # lines a question quantified
    work: int = 0  # tokens and candidates looked at: linear in the message (tests bound it)


@dataclass
class _Line:
    """The items one group produced: where they start in the result, and for what."""

    product: int
    start: int
    unit: str | None
    run: Run | None = None


def split_segments(message: str) -> tuple[list[str], list[str]]:
    """Segments of a message and its parenthesised asides (prices, phones, notes)."""
    sentences, asides = split_sentences(message)
    return [text for text, _ in sentences], asides


def split_sentences(message: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """Like `split_segments`, each segment with whether a question mark closed it."""
    text = clean_text(message)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,000
    text = _ABBREVIATION_DOT.sub(r"\1 ", text)
    text = _PLUS_WORD.sub(" + ", text)  # `2 carton plus 12 bottle` (not `clinic plus 2`)
    asides = [a or b for a, b in _ASIDE.findall(text)]
    text = _ASIDE.sub("\n", text)
    sentences: list[tuple[str, bool]] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line)
        pieces = _SEPARATOR_KEPT.split(line)
        for n in range(0, len(pieces), 2):
            after = pieces[n + 1] if n + 1 < len(pieces) else ""
            if pieces[n].strip():
                sentences.append((pieces[n].strip(), after == "?"))
    return sentences, asides


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


_MARKERS = lx.ADD_WORDS | lx.CORRECTION_WORDS | lx.NEGATIONS


def _content_words(words: list[Tok], index: CatalogIndex) -> list[Tok]:
    content: list[Tok] = []
    for tok in words:
        if lx.is_filler(tok.key) or tok.key in lx.INFO_WORDS or tok.key in lx.CONJUNCTIONS \
                or tok.key in _MARKERS:
            continue
        if (tok.key in lx.INTENT_KEYS or tok.key in lx.MODIFIERS) \
                and not index.lookup_word(tok.raw):
            continue  # `maggi in stock`, `hijo ko chini`, `ramro chamal`: not the name
        if tok.key in lx.PARTICLE_ALIASES and content and (
                canonical(content[-1].key), canonical(tok.key)) not in index.bigrams:
            continue  # `chappal pani`, `maggi chai`: "sandals too", "maggi, that one"
        content.append(tok)
    return content


def _elements(toks: list[Tok], index: CatalogIndex) -> list[Run | Quantity]:
    """The segment as runs of words and quantities, in order."""
    out: list[Run | Quantity] = []
    words: list[Tok] = []
    hints: list[str] = []

    def flush() -> None:
        if words or hints:
            content = _content_words(words, index)
            if content:
                run = Run(list(words), content, list(hints))
                run.ranked = index.rank([t.raw for t in content], tally=run.work)
                out.append(run)
            elif hints and out and isinstance(out[-1], Run):
                out[-1].hints.extend(hints)
        words.clear()
        hints.clear()

    negate_next = False
    named_since = False  # a content word since the last quantity
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == WORD and tok.key in lx.NEGATIONS:
            if out and isinstance(out[-1], Quantity) and not named_since:
                out.pop()  # `10 kilo nahi`, `३ पेटी होइन`: that number is taken back
            else:
                negate_next = True
            words.append(tok)
        elif tok.kind == WORD:
            words.append(tok)
            named_since = named_since or bool(_content_words([tok], index))
        elif tok.kind == UNIT and tok.bare:
            if tok.unit:
                hints.append(tok.unit)
        elif tok.kind == NUM and tok.value is not None:
            flush()
            named_since = False
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is not None and nxt.kind == UNIT and not nxt.bare:
                out.append(Quantity(float(tok.value), nxt.unit, f"{tok.raw} {nxt.raw}",
                                    negated=negate_next))
                i += 1
            else:
                out.append(Quantity(float(tok.value), None, tok.raw, negated=negate_next))
            negate_next = False
        elif tok.kind == MULT and tok.value is not None:
            flush()
            out.append(Quantity(float(tok.value), tok.unit, tok.raw, multiplier=True))
        i += 1
    flush()
    for here, after in zip(out, out[1:], strict=False):
        if isinstance(here, Quantity) and isinstance(after, Quantity) and here.unit is None \
                and not here.multiplier and after.unit is not None and not after.multiplier:
            here.maybe_size = True
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
                    and _names_size(q, index, c.index)
                    for q in _with_sizes(group.quantities, index.products[c.index]))]
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


def _with_sizes(quantities: list[Quantity], product: ProductSpec) -> list[Quantity]:
    """The quantities, a bare number before the count read in the product's content unit
    (`coke 2.25 wala 3 bottle`: 2.25 l) when that is a size of it."""
    out = []
    for q in quantities:
        if q.maybe_size and product.content is not None:
            sized = Quantity(q.value, product.content[1], q.raw)
            metric = sized.metric
            content = product.metric_content
            if metric is not None and content is not None and sizes_compatible(metric, content):
                q = sized
        out.append(q)
    return out


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
    state.last = None
    kept = [q for q in group.quantities if not q.negated]
    if kept and len(kept) < len(group.quantities):
        group = Group(group.run, kept)  # `not 2 but 3 peti`: the number taken back goes
    choice = _choose_product(group, index)
    if choice is not None and _unknown_neighbour(group.run, choice[0].index, index):
        choice = None  # `ruchi soya oil`: a brand the catalog lacks is not Fortune's oil
        group.run.ranked = []
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
    quantity_text = " ".join(q.raw for q in group.quantities[:MAX_TEXT_QUANTITIES])
    quantities = _with_sizes(group.quantities, product)
    start = len(state.items)
    for value, unit in resolve_quantities(quantities, product, index, chosen.index):
        if value <= 0:
            continue
        state.items.append(ParsedItem(
            sku=product.sku, quantity=round(value, 4), unit=fit_unit(unit, product),
            confidence=confidence, text=f"{group.run.text} {quantity_text}".strip(),
            alternatives=alt_skus,
        ))
    if len(state.items) > start:
        state.last = _Line(chosen.index, start, state.items[-1].unit, group.run)


_GENITIVES = frozenset(fold(w) for w in ("ko", "ka", "ki", "ke", "को", "का", "की", "के"))


def _known_word(tok: Tok, index: CatalogIndex) -> bool:
    """A word the catalog or the language knows (a typo of a catalog word counts)."""
    key = tok.key
    if len(key) < 3 or key.isdigit() or not key.isalpha():
        return True
    if lx.is_filler(key) or key in lx.MODIFIERS or key in lx.INFO_WORDS \
            or key in lx.CONJUNCTIONS or key in _MARKERS or key in lx.NUMBER_WORDS \
            or key in lx.UNIT_KEYS or key in lx.PARTICLE_ALIASES or key in lx.FOREIGN_UNITS:
        return True
    return bool(index.lookup_word(tok.raw))


def _near_product_word(tok: Tok, product: int, index: CatalogIndex) -> bool:
    """`dhara tael`: a word one typo from a word of the chosen product is that word."""
    key = tok.key
    allowed = 2 if len(key) >= 7 else 1
    return any(OSA.distance(key, spelling, score_cutoff=allowed) <= allowed
               for word in index.tokens[product]
               for spelling in index.spellings.get(word, (word,)))


def _unknown_neighbour(run: Run, product: int, index: CatalogIndex) -> bool:
    """Does an unknown word stand right next to the words that named the product?

    Brands and variants sit beside the product word (`ruchi soya oil`, `colgate maxfresh`,
    `nariwal ko tel`); such a line names something the catalog lacks. A genitive (`ko`)
    between them still binds them; any other word (`dai`, `malai`) does not.
    """
    words = [t for t in run.words if t.key not in _GENITIVES]
    tokens = index.tokens[product]
    named = [any(k in tokens for k, _ in index.lookup_word(t.raw)) for t in words]
    content = {id(t) for t in run.content}
    for n, tok in enumerate(words):
        if named[n] or id(tok) not in content or _known_word(tok, index):
            continue
        beside = [m for m in (n - 1, n + 1) if 0 <= m < len(words)]
        if any(named[m] for m in beside) and not _near_product_word(tok, product, index):
            return True
    return False


def _amend(toks: list[Tok], quantities: list[Quantity], index: CatalogIndex,
           state: _State) -> None:
    """A bare quantity after a line changes it: `1 peti + 4 bottle`, `6 wota thap` add;
    `sorry, 2 kg only`, `hoina 3 bora`, `make it 3` replace (keeping the line's unit)."""
    line = state.last
    if line is None:
        return
    if line.run is not None and _names_a_pack(quantities):
        # `dhara 5 wala 2 jar ra 1 wala 12 bottle`: a size and a count are a new line of
        # the same name, and the size picks its variant.
        _emit(Group(line.run, quantities), index, state)
        return
    product = index.products[line.product]
    current = state.items[line.start:]
    correcting = state.correcting or any(t.kind == WORD and t.key in lx.CORRECTION_WORDS
                                         for t in toks)
    state.correcting = False
    kept = []
    now = {round(item.quantity, 6) for item in current}
    for q in quantities:
        if q.negated:
            if round(q.value, 6) in now:
                continue  # `not 5`: the number the line has now is the wrong one
            correcting = True  # `hoina, 3 bora`
        kept.append(q)
    lines = resolve_quantities(kept, product, index, line.product) if kept else []
    new: list[ParsedItem] = []
    template = current[0] if current else None
    said = " ".join(t.raw for t in toks[:MAX_TEXT_QUANTITIES * 3])
    for value, unit in lines:
        unit = unit if unit is not None or not correcting else line.unit
        unit = fit_unit(unit, product)
        if value <= 0 or to_base_quantity(product, 1.0, unit, strict=False) is None:
            continue
        new.append(ParsedItem(
            sku=product.sku, quantity=round(value, 4), unit=unit,
            confidence=template.confidence if template else 1.0,
            text=said, alternatives=template.alternatives if template else ()))
    if not new:
        return
    if correcting:
        del state.items[line.start:]
    state.items.extend(new)
    state.last = _Line(line.product, line.start if correcting else len(state.items) - len(new),
                       new[-1].unit)


def _named_in_talk(run: Run, index: CatalogIndex) -> ProductSpec | None:
    """A product a question or complaint names in full among other words (`kal wale order
    mein maggi ki 2 peti kharab`): talk has more words around a name than an order line."""
    best = run.ranked[0] if run.ranked else None
    if best is None or best.compl < 0.999 or best.score < 0.5:
        return None
    return index.products[best.index]


def _names_a_pack(quantities: list[Quantity]) -> bool:
    """A size and then a count (`1 wala 12 bottle`, `5 ltr ko 2 jar`)."""
    return len(quantities) >= 2 and any(
        q.maybe_size or (q.metric is not None and n + 1 < len(quantities)
                         and quantities[n + 1].unit not in lx.MEASURE_UNITS)
        for n, q in enumerate(quantities[:-1]))


def _note_asked(groups: list[Group], mentions: list[Run], index: CatalogIndex,
                state: _State, kind: str) -> None:
    """A question, complaint or report orders nothing; what it names is remembered (for a
    quantity in the next sentence: `is maggi in stock? if yes send 2 cartons`), and what a
    question or complaint names is `asked` (to answer it)."""
    state.last = None
    state.asked_groups = list(groups) if kind == "question" else []
    named: list[tuple[Run, ProductSpec]] = []
    for group in groups:  # a size picks the variant asked about (`5 litre wala dhara`)
        choice = _choose_product(group, index)
        if choice is not None:
            named.append((group.run, index.products[choice[0].index]))
        elif (loose := _named_in_talk(group.run, index)) is not None:
            named.append((group.run, loose))
    for run in mentions:
        product = _top_product(run, index) or _named_in_talk(run, index)
        if product is not None:
            named.append((run, product))
    for run, product in named:
        if kind != "report" and product.sku not in state.asked:
            state.asked.append(product.sku)
        state.mentioned = run


def _parse_segment(toks: list[Tok], index: CatalogIndex, state: _State, aside: bool,
                   kind: str = "order") -> None:
    elements = _elements(toks, index)
    groups, mentions = _group(elements, index)
    state.work += len(toks) + sum(e.work[0] + len(e.words) for e in elements
                                  if isinstance(e, Run))
    if kind != "order":
        _note_asked(groups, mentions, index, state, kind)
        return
    quantities = [e for e in elements if isinstance(e, Quantity)]
    asked, state.asked_groups = state.asked_groups, []
    if not elements and asked and not aside and orders(_spellings(toks)):
        # `do you have 2 ctn coke? need urgently`, `2 peti ko rate kati? pathaidinu`: a verb
        # of ordering alone orders what the question just quantified.
        for group in asked:
            _emit(group, index, state)
        return
    if not elements and state.last is not None:
        # `chini 5 kg... sorry, 2 kg`: a correction word on its own changes the next number.
        state.correcting = any(t.kind == WORD and t.key in lx.CORRECTION_WORDS for t in toks)
        return
    if not groups and not mentions and quantities and not aside:
        if state.mentioned is not None:
            # `dai chini ko bhau kati ho? 2 bora pathaidinu`: the quantity is for the product
            # just named.
            groups = [Group(state.mentioned, quantities)]
            state.mentioned = None
        else:
            _amend(toks, quantities, index, state)
            return
    state.correcting = False
    for group in groups:
        if aside:
            probe = _State()
            _emit(group, index, probe)
            state.items.extend(probe.items)
        else:
            _emit(group, index, state)
    matched_mentions = [m for m in mentions if m.ranked and m.ranked[0].accepted
                        and not all(t.key in lx.PARTICLE_ALIASES for t in m.content)]
    if matched_mentions and not aside:
        state.mentioned = matched_mentions[-1]
    elif groups:
        state.mentioned = None
    if mentions and not aside:
        state.last = None


def parse_text(message: str, catalog: Catalog) -> ParseResult:
    """Parse one order message with the rules; never raises on odd text.

    Each sentence (and each part of it between conjunctions) is first read for what it does:
    a question (`chini ko rate kati?`), a complaint (`hijo ko dudh phuteko thiyo`) or a report
    (`received 2 ctn pepsi`) orders nothing, so only the parts that order give items. The
    result's `intent` says what the whole message was; `asked` lists the products a question
    or complaint named.
    """
    if not isinstance(message, str) or not message.strip():
        return ParseResult(language=None, intent="other")
    index = catalog.index
    sentences, asides = split_sentences(message)
    state = _State()
    for text, question_mark in sentences:
        kind: str | None = None
        for part in _split_conjunctions(lex(text), index):
            kind = classify(part, question_mark, kind)
            state.kinds.append(kind)
            _parse_segment(part, index, state, False, kind)
    for text in asides:
        for part in _split_conjunctions(lex(text), index):
            # `coke 2 ctn (1 was broken last time)`: an aside complaining orders nothing.
            if classify(part, False) == "order":
                _parse_segment(part, index, state, True)
    return ParseResult(items=state.items, unmatched=state.unmatched, engine="rules",
                       language=guess_language(message),
                       intent=_intent(message, state), asked=list(state.asked),
                       work=state.work)


def _intent(message: str, state: _State) -> str:
    if state.items or state.unmatched:
        return "order"
    for kind in ("complaint", "question"):
        if kind in state.kinds:
            return kind
    if state.asked:
        return "question"
    words = [w.strip(_WORD_PUNCTUATION) for w in clean_text(message).lower().split()]
    words = [w for w in words if w]
    if words and any(w in lx.GREETING_WORDS for w in words) and all(
            w in lx.GREETING_WORDS or lx.is_filler(fold(w)) for w in words):
        return "greeting"
    return "other"


_WORD_PUNCTUATION = ".,:;!?'\"`()[]{}-\u0964"


def _spellings(part: list[Tok]) -> list[str]:
    """The words of a part as written (lowercase), each also without a glued case ending."""
    out = []
    for tok in part:
        if tok.kind == NUM:
            out.append(tok.raw)
            continue
        raw = tok.raw.strip(_WORD_PUNCTUATION)
        out.append(raw)
    return out


def _has(words: list[str], vocabulary: frozenset[str]) -> bool:
    return any(w in vocabulary or (strip_postposition(w) or "") in vocabulary for w in words)


def _has_phrase(words: list[str], phrases: tuple[str, ...]) -> bool:
    text = f" {' '.join(words)} "
    return any(f" {phrase} " in text for phrase in phrases)


def orders(words: list[str]) -> bool:
    """Is there a verb of ordering among these words (as written)?"""
    return _has(words, lx.ORDER_WORDS) or any(
        w.startswith(lx.ORDER_PREFIXES) for w in words if not w.isdigit())


def classify(part: list[Tok], question_mark: bool, previous: str | None = None) -> str:
    """What one part of a sentence does: `order`, `question`, `complaint` or `report`.

    A complaint word wins; then asking a price (even with a verb of ordering: `2 peti ko rate
    pathaunu`); then a verb of ordering; then telling what happened (`received ...`); then
    any other question word or a question mark, unless the buyer says please. Words after a
    word for the whole bill (`total kitna hua batana`) ask about the bill, not a product. A
    part that says none of these does what the part before it did.
    """
    words = _spellings(part)
    if lx.TOTAL_WORDS.intersection(words):
        cut = min(n for n, w in enumerate(words) if w in lx.TOTAL_WORDS)
        asking = words[:cut]
    else:
        asking = words
    if _has(words, lx.COMPLAINT_WORDS) or _has_phrase(words, lx.COMPLAINT_PHRASES):
        return "complaint"
    if any(w in lx.PRICE_ASK_WORDS and (n + 1 == len(asking)
                                         or asking[n + 1] not in lx.WHEN_WORDS)
           for n, w in enumerate(asking)):
        return "question"
    if orders(words):
        return "order"
    if _has(words, lx.REPORT_WORDS):
        return "report"
    please = bool(lx.PLEASE_WORDS.intersection(words))
    if (_has(asking, lx.QUESTION_WORDS) or _has_phrase(asking, lx.QUESTION_PHRASES)) \
            and not please:
        return "question"
    if please:
        return "order"
    if previous is not None:
        return previous
    return "question" if question_mark else "order"


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

