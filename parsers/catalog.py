"""The product catalog and its match index.

`Catalog` holds `ProductSpec`s; its index (built once per catalog version and cached) maps
folded words to products, corrects typos through a deletion and consonant-skeleton index
(no scan of the catalog per query), and ranks products for a run of words by how much of the
run they explain and how completely they match one of their names.
"""

from __future__ import annotations

import csv
import hashlib
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import OSA

from parsers import lexicon as lx
from parsers.normalize import fold, skeleton
from parsers.tokens import NUM, UNIT, WORD, lex, strip_postposition

METRIC = {"kg": (1.0, "kg"), "g": (0.001, "kg"), "l": (1.0, "l"), "ml": (0.001, "l")}


def to_metric(value: float, unit: str) -> tuple[float, str] | None:
    """(value, 'kg' | 'l') for a weight or volume, None for other units."""
    factor = METRIC.get(unit)
    if factor is None:
        return None
    return value * factor[0], factor[1]


@dataclass(frozen=True)
class ProductSpec:
    """One catalog product, in the shape of `products.csv`.

    `pack_units` maps a pack unit to its size in base units (`{"sack": 25.0}`); `content` is
    the net content of one base unit of a packaged product (`(500.0, "ml")`), None when loose.
    """

    sku: str
    name: str
    category: str = ""
    brand: str = ""
    base_unit: str = "piece"
    pack_units: dict[str, float] = field(default_factory=dict, hash=False)
    content: tuple[float, str] | None = None
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, str]) -> ProductSpec:
        """Build a spec from one `products.csv` row (strings as in the file)."""
        packs: dict[str, float] = {}
        for part in filter(None, (row.get("pack_units") or "").split(";")):
            unit, _, factor = part.partition(":")
            packs[unit.strip()] = float(factor)
        content = None
        if (row.get("content") or "").strip():
            amount, unit = row["content"].split()
            content = (float(amount), unit.strip())
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        return cls(
            sku=row["sku"].strip(), name=row.get("name", "").strip(),
            category=row.get("category", "").strip(), brand=row.get("brand", "").strip(),
            base_unit=(row.get("base_unit") or "piece").strip(), pack_units=packs,
            content=content, aliases=aliases,
        )

    @property
    def metric_content(self) -> tuple[float, str] | None:
        """Content as (value, 'kg' | 'l'), or None for loose goods."""
        return to_metric(*self.content) if self.content else None


@dataclass(frozen=True)
class Phrase:
    """One name of a product, analysed: folded words, sizes (metric) and unit hints."""

    keys: tuple[str, ...]
    sizes: tuple[tuple[float, str], ...]
    hints: tuple[str, ...]


MIN_SCORE = 0.7
MIN_COMPLETENESS = 0.45
MATCH_MIN_SCORE = 0.5


@dataclass
class Candidate:
    """A product ranked for a run of words (stage one: words only).

    `qcov` is the share of the run the product explains, `compl` how completely the run
    matches one of the product's names; `score` mixes both.
    """

    index: int
    score: float
    qcov: float
    compl: float

    @property
    def accepted(self) -> bool:
        """Good enough to name the product: `2 kg cashew` is not Good Day Cashew Biscuits."""
        return self.score >= MIN_SCORE and self.compl >= MIN_COMPLETENESS


def canonical(key: str) -> str:
    """The glossary's representative for a folded word (`camal` -> `rike`)."""
    return lx.CANONICAL_WORD.get(key, key)


def analyse_phrase(text: str, content: tuple[float, str] | None = None) -> Phrase:
    """Words, sizes and unit hints of a product name or alias."""
    toks = lex(text)
    keys: list[str] = []
    sizes: list[tuple[float, str]] = []
    hints: list[str] = []
    # A name made only of words that are fillers elsewhere (`lai`) keeps them.
    all_fillers = all(lx.is_filler(t.key) for t in toks if t.kind == WORD)
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind == WORD and (all_fillers or not lx.is_filler(tok.key)) \
                and tok.key not in lx.CONJUNCTIONS:
            keys.append(canonical(tok.key))
        elif tok.kind == NUM and tok.value is not None:
            unit = nxt.unit if nxt is not None and nxt.kind == UNIT and not nxt.bare else None
            if unit is None and content is not None:
                unit = content[1]  # `coke 2.25`: the product's own content unit
            metric = to_metric(tok.value, unit) if unit else None
            if metric:
                sizes.append(metric)
        elif tok.kind == UNIT and tok.bare and tok.unit:
            hints.append(tok.unit)
    return Phrase(tuple(keys), tuple(sizes), tuple(hints))


def sizes_compatible(a: tuple[float, str], b: tuple[float, str]) -> bool:
    """Same dimension and within 15 % (`coke 2 litre` names the 2.25 L bottle)."""
    if a[1] != b[1] or a[0] <= 0 or b[0] <= 0:
        return False
    ratio = a[0] / b[0]
    return 0.85 <= ratio <= 1.18


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1:] for i in range(len(key))}


def fuzzy_similarity(a: str, b: str) -> float:
    """Similarity of two folded words, 0 beyond one edit (two for words of 7+ letters).

    Edits count transpositions as one (`kandel`/`kandle`); the folding already absorbed the
    spelling variants, so what is left is typing errors. Words of five letters or fewer may
    differ in their vowels only.
    """
    longest = max(len(a), len(b))
    allowed = 2 if longest >= 7 else 1
    if longest <= 5 and skeleton(a) != skeleton(b):
        return 0.0  # short words may differ in vowels only: `suger`, not `capal`/`caval`
    distance = OSA.distance(a, b, score_cutoff=allowed)
    if distance > allowed:
        return 0.0
    return 1.0 - distance / (longest + 1)


COMMON_POSTINGS = 400  # a word in more products than this does not generate candidates alone
MIN_FUZZY_LEN = 4
MAX_FUZZY_LEN = 40


class CatalogIndex:
    """Inverted index over the folded words of every name, brand and alias."""

    def __init__(self, products: Sequence[ProductSpec]) -> None:
        self.products = products
        self.phrases: list[list[Phrase]] = []
        self.tokens: list[frozenset[str]] = []
        self.postings: dict[str, list[int]] = {}
        self.phrase_index: dict[tuple[str, ...], list[int]] = {}
        self.conjunction_phrases: set[tuple[str, ...]] = set()
        # Neighbouring words of every name (`tokla chiya`): a particle that is also a product
        # word (`chai`, `pani`) is part of the name only where a name has it there.
        self.bigrams: set[tuple[str, str]] = set()
        for i, product in enumerate(products):
            self._add_product(i, product)
        # The longest name, in words: longer windows of a query cannot be a name.
        self.longest_phrase = max((len(k) for k in self.phrase_index), default=1)
        n = max(len(products), 1)
        self.idf = {t: math.log((n + 1) / (len(p) + 0.5)) + 0.5 for t, p in self.postings.items()}
        self.unknown_weight = math.log((n + 1) / 0.5) + 0.5
        self._deletes: dict[str, list[str]] = {}
        self._skeletons: dict[str, list[str]] = {}
        # Glossary spellings stay reachable by typo (`lehsun` -> `lahsun` -> garlic).
        spellings = set(self.postings) | {k for k, c in lx.CANONICAL_WORD.items()
                                          if c in self.postings}
        for key in spellings:
            if len(key) >= MIN_FUZZY_LEN and not key.isdigit():
                for variant in _deletes(key) | {key}:
                    self._deletes.setdefault(variant, []).append(key)
                self._skeletons.setdefault(skeleton(key), []).append(key)
        # Every spelling of a vocabulary word (`oil`: `tel`, `तेल`), for typo checks.
        self.spellings: dict[str, set[str]] = {}
        for spelling, key in lx.CANONICAL_WORD.items():
            self.spellings.setdefault(key, {key}).add(spelling)
        self._fuzzy_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        self._lock = threading.Lock()

    def _add_product(self, i: int, product: ProductSpec) -> None:
        names = [product.name, *product.aliases]
        if product.brand:
            names.append(product.brand)
        phrases = [analyse_phrase(name, product.metric_content) for name in names]
        phrases = [p for p in phrases if p.keys]
        self.phrases.append(phrases)
        # Category words (`biscuits`, `edible oil`) explain a run (`marie biscuit`) without
        # being a name of the product.
        category = analyse_phrase(product.category).keys if product.category else ()
        tokens = frozenset([*(k for p in phrases for k in p.keys), *category])
        self.tokens.append(tokens)
        for key in tokens:
            self.postings.setdefault(key, []).append(i)
        for phrase in phrases:
            self.bigrams.update(zip(phrase.keys, phrase.keys[1:], strict=False))
            bucket = self.phrase_index.setdefault(phrase.keys, [])
            if not bucket or bucket[-1] != i:
                bucket.append(i)
        for raw in names:
            words = [fold(w) for w in raw.lower().replace("&", " and ").split()]
            if any(w in lx.CONJUNCTIONS for w in words[1:-1]):
                self.conjunction_phrases.add(tuple(words))

    def weight(self, key: str) -> float:
        """Inverse document frequency of a folded word (unknown words weigh the most)."""
        return self.idf.get(key, self.unknown_weight)

    def lookup(self, key: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary words a query word may stand for, with a similarity in [0, 1]."""
        key = canonical(key)
        if key in self.postings:
            return ((key, 1.0),)
        if not MIN_FUZZY_LEN <= len(key) <= MAX_FUZZY_LEN or key.isdigit():
            return ()  # (a word of hundreds of letters is no name, and its deletes cost L²)
        cached = self._fuzzy_cache.get(key)
        if cached is not None:
            return cached
        found: set[str] = set()
        for variant in _deletes(key) | {key}:
            found.update(self._deletes.get(variant, ()))
        found.update(self._skeletons.get(skeleton(key), ()))
        best: dict[str, float] = {}
        for cand in found:
            sim = fuzzy_similarity(key, cand)
            target = canonical(cand)
            if sim > best.get(target, 0.0):
                best[target] = sim
        scored = sorted(best.items(), key=lambda x: -x[1])
        result = tuple((cand, round(sim, 3)) for cand, sim in scored[:3] if sim > 0)
        with self._lock:
            if len(self._fuzzy_cache) > 100_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[key] = result
        return result

    def lookup_word(self, raw: str) -> tuple[tuple[str, float], ...]:
        """`lookup` of a word as written; a glued case ending (`चिनीको`, `chiniko`) is
        dropped when the whole word is unknown."""
        found = self.lookup(fold(raw))
        if found and found[0][1] >= 1.0:
            return found
        stem = strip_postposition(raw)
        bare = self.lookup(fold(stem)) if stem else ()
        if bare and bare[0][1] >= 1.0:
            return bare  # `पेप्सीका` is Pepsi, not a typo of something else
        return found or bare

    def rank(self, words: Sequence[str], limit: int = 8,
             tally: list[int] | None = None) -> list[Candidate]:
        """Products ranked for a run of raw words (fillers already removed).

        `tally[0]` grows by the work done: words looked up, and words times candidates
        scored (at most the catalog's size per word, so linear in the run).
        """
        positions = self._positions(words)
        if tally is not None:
            tally[0] += len(words)
        if not any(matches for matches, _ in positions):
            return []
        candidates = self._candidates(positions)
        if tally is not None:
            tally[0] += len(candidates) * len(positions)
        total = sum(weight for _, weight in positions)
        ranked = []
        for index in candidates:
            cand = self._score(index, positions, total)
            if cand.score > 0:
                ranked.append(cand)
        ranked.sort(key=lambda c: (-c.score, c.index))
        return ranked[:limit]

    def _positions(self, words: Sequence[str]) -> list[tuple[dict[str, float], float]]:
        """Per query word: {vocabulary word: similarity} and the word's weight."""
        positions: list[tuple[dict[str, float], float]] = []
        for word in words:
            matches = dict(self.lookup_word(word))
            weight = max((self.weight(k) for k in matches), default=self.unknown_weight)
            positions.append((matches, weight))
        # Words written apart that the catalog writes together (`red bull` / `redbull`).
        for i in range(len(words) - 1):
            joined = canonical(fold(words[i] + words[i + 1]))
            if joined in self.postings:
                for j in (i, i + 1):
                    positions[j][0].setdefault(joined, 1.0)
        return positions

    def _candidates(self, positions: list[tuple[dict[str, float], float]]) -> set[int]:
        rare: set[int] = set()
        common: list[str] = []
        for matches, _ in positions:
            for key in matches:
                posting = self.postings.get(key, ())
                if len(posting) <= COMMON_POSTINGS:
                    rare.update(posting)
                else:
                    common.append(key)
        keys = [max(m, key=m.__getitem__) for m, _ in positions if m]
        for start in range(len(keys)):
            for end in range(start + 1, min(len(keys), start + self.longest_phrase) + 1):
                rare.update(self.phrase_index.get(tuple(keys[start:end]), ()))
        if not rare:
            for key in common:
                rare.update(self.postings[key][:COMMON_POSTINGS])
        return rare

    def _score(self, index: int, positions: list[tuple[dict[str, float], float]],
               total: float) -> Candidate:
        tokens = self.tokens[index]
        covered = 0.0
        best_sim: dict[str, float] = {}
        for matches, weight in positions:
            sim = 0.0
            for key, s in matches.items():
                if key in tokens:
                    sim = max(sim, s)
                    best_sim[key] = max(best_sim.get(key, 0.0), s)
            covered += weight * sim
        qcov = covered / total if total else 0.0
        compl = 0.0
        for phrase in self.phrases[index]:
            weights = [self.weight(k) for k in phrase.keys]
            found = sum(w * best_sim.get(k, 0.0) for k, w in zip(phrase.keys, weights, strict=True))
            extra = 0.1 * sum(weights) if (phrase.sizes or phrase.hints) else 0.0
            compl = max(compl, found / (sum(weights) + extra))
        return Candidate(index, 0.55 * qcov + 0.45 * compl, qcov, compl)


_INDEX_CACHE: dict[str, CatalogIndex] = {}
_INDEX_LOCK = threading.Lock()


class Catalog:
    """A set of products with a lazily built, version-cached match index."""

    def __init__(self, products: Iterable[ProductSpec], version: str | None = None) -> None:
        self._products = tuple(products)
        self._by_sku = {p.sku: p for p in self._products}
        self.version = version or self._fingerprint()

    @classmethod
    def from_products(cls, products: Iterable[ProductSpec], version: str | None = None) -> Catalog:
        """A catalog of the given products; `version` keys the index cache (default: a hash)."""
        return cls(products, version)

    @classmethod
    def load_dir(cls, path: str | Path) -> Catalog:
        """Read `products.csv` from a folder in the shape of the shared catalog."""
        with open(Path(path) / "products.csv", encoding="utf-8", newline="") as f:
            products = [ProductSpec.from_row(row) for row in csv.DictReader(f) if row.get("sku")]
        return cls(products)

    def _fingerprint(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        for p in self._products:
            digest.update(repr((p.sku, p.name, p.brand, p.base_unit, sorted(p.pack_units.items()),
                                p.content, p.aliases)).encode())
        return digest.hexdigest()

    @property
    def index(self) -> CatalogIndex:
        """The match index, built on first use and shared by every catalog of this version."""
        index = _INDEX_CACHE.get(self.version)
        if index is None:
            with _INDEX_LOCK:
                index = _INDEX_CACHE.get(self.version)
                if index is None:
                    index = CatalogIndex(self._products)
                    if len(_INDEX_CACHE) >= 8:
                        _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))
                    _INDEX_CACHE[self.version] = index
        return index

    def get(self, sku: str) -> ProductSpec | None:
        """The product with this SKU, or None."""
        return self._by_sku.get(sku)

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def __iter__(self) -> Iterator[ProductSpec]:
        return iter(self._products)

    def __len__(self) -> int:
        return len(self._products)

    def match(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Best products for a short name (`"oil"`, `"चिनी"`), as (sku, score) best first.

        Used by the conversation for single-product commands like `remove oil`, where the
        caller narrows the list to its draft: a generic word (`oil`) matches every product
        it is part of, so the threshold is looser than the parser's.
        """
        words = [t.raw for t in lex(text)
                 if t.kind == WORD and not lx.is_filler(t.key) and t.key not in lx.INFO_WORDS]
        index = self.index
        return [(self._products[c.index].sku, round(c.score, 3))
                for c in index.rank(words, max(limit, 1)) if c.score >= MATCH_MIN_SCORE][:limit]


