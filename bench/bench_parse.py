"""Order parser benchmark: prints `bench NAME VALUE UNIT` lines.

    .venv/bin/python bench/bench_parse.py

- parse_msgs_per_s: rule-based parses per second on the 95-product demo catalog, one core.
- parse_large_p50_ms / parse_large_p99_ms: per-message latency on a generated 50,000-product
  catalog (deterministic generator below); the index is built once, before timing, and its
  build time is reported as parse_large_index_build_s.
- parse_baseline_msgs_per_s and parse_vs_baseline_ratio: a trivial regex tokenisation of the
  same messages, measured in the same run, and how many times slower the parser is.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsers import Catalog, ProductSpec, parse_text  # noqa: E402 - needs the path above

LARGE_SIZE = 50_000
SEED = 20240611

EXTRA_MESSAGES = [
    "2 bora chamal, dhara tel 5 ltr x4, chini 10 kg",
    "५ किलो चिनी पठाइदिनु",
    "need 3 cartons coke 500ml and a dozen eggs",
    "bhaiya 10 kilo cheeni aur 2 peti maggi bhej do",
    "dai 1 bora chini, 1 peti nun ra 10 jor chappal pani pathaunu",
    "1. coke 500ml - 2 ctn\n2. fanta 500ml - 1 ctn\n3. red bull - 12 tin\n4. water 1L - 3 ctn",
    "mansuli 2 bora @ 1650, masuro 25 kg @ 140, chini 1 bora @ 95",
    "suger 50kg, coka cola 2 ctn, maggie 1 ctn",
    "dhanyabad dai, saman aaipugyo. bill pachi pathaunu hola",
    "sawa kilo adrak aur dedh kilo lahsun bhej dena",
]


def messages() -> list[str]:
    """The benchmark messages: fixed examples plus the parser tests' held-out set."""
    out = list(EXTRA_MESSAGES)
    heldout = ROOT / "tests" / "unit" / "parsers" / "data" / "heldout.jsonl"
    if heldout.exists():
        for line in heldout.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    return out


SYLLABLES = ["ka", "ra", "ma", "na", "sa", "ta", "li", "ki", "ro", "mo", "shi", "gu", "de", "pa",
             "ya", "ba", "ja", "ne", "ho", "vi", "lu", "dha", "chi", "tu", "re", "so", "ni", "ga"]
NOUNS = [
    ("Rice", "chamal", "kg", {"sack": 25.0}, None),
    ("Mustard Oil", "tel", "bottle", {"carton": 12.0}, (1.0, "l")),
    ("Sugar", "chini", "kg", {"sack": 50.0}, None),
    ("Tea", "chiya", "packet", {"carton": 24.0}, (500.0, "g")),
    ("Soap", "sabun", "piece", {"carton": 72.0}, (100.0, "g")),
    ("Biscuits", "biskut", "packet", {"carton": 60.0}, (100.0, "g")),
    ("Noodles", "chauchau", "packet", {"carton": 30.0}, (70.0, "g")),
    ("Shampoo", "shampoo", "bottle", {"carton": 24.0}, (180.0, "ml")),
    ("Masoor Dal", "dal", "kg", {"sack": 25.0}, None),
    ("Juice", "juice", "packet", {"carton": 12.0}, (1.0, "l")),
    ("Salt", "nun", "packet", {"carton": 25.0}, (1.0, "kg")),
    ("Detergent Powder", "surf", "packet", {"carton": 12.0}, (1.0, "kg")),
]
SIZES = [None, 0.5, 1, 2, 5]


def large_catalog(base: Catalog) -> Catalog:
    """The demo products plus generated brands x nouns x sizes, up to LARGE_SIZE products."""
    rng = random.Random(SEED)
    products = list(base)
    seen: set[str] = set()
    while len(products) < LARGE_SIZE:
        brand = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        name, local, base_unit, packs, content = rng.choice(NOUNS)
        size = rng.choice(SIZES)
        sku = f"G-{brand.upper()}-{name.split()[0].upper()}-{size or 0}"
        if sku in seen:
            continue
        seen.add(sku)
        title = f"{brand} {name}" + (f" {size} kg" if size else "")
        aliases = (brand.lower(), f"{brand.lower()} {local}", f"{brand.lower()} {name.lower()}")
        products.append(ProductSpec(sku=sku, name=title, category="generated", brand=brand,
                                    base_unit=base_unit, pack_units=dict(packs), content=content,
                                    aliases=aliases))
    return Catalog.from_products(products, version=f"bench-large-{SEED}-{LARGE_SIZE}")


def throughput(texts: list[str], catalog: Catalog, seconds: float = 2.0) -> float:
    """Messages parsed per second, looping over the messages for about `seconds`."""
    for text in texts:
        parse_text(text, catalog)  # warm: index built, caches filled
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            parse_text(text, catalog)
        done += len(texts)
    return done / (time.perf_counter() - start)


def baseline_throughput(texts: list[str], seconds: float = 1.0) -> float:
    """Messages per second of a bare regex tokenisation of the same texts."""
    pattern = re.compile(r"\w+")
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            pattern.findall(text.lower())
        done += len(texts)
    return done / (time.perf_counter() - start)


def latencies_ms(texts: list[str], catalog: Catalog, rounds: int = 5) -> list[float]:
    """Per-message parse times in milliseconds (after one warm-up pass)."""
    for text in texts:
        parse_text(text, catalog)
    out: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            parse_text(text, catalog)
            out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    """Run every measurement and print the bench lines."""
    texts = messages()
    small = Catalog.load_dir(ROOT / "data" / "catalog")
    rate = throughput(texts, small)
    base_rate = baseline_throughput(texts)
    print(f"bench parse_msgs_per_s {rate:.0f} msgs/s")
    print(f"bench parse_baseline_msgs_per_s {base_rate:.0f} msgs/s")
    print(f"bench parse_vs_baseline_ratio {base_rate / rate:.1f} x")

    large = large_catalog(small)
    start = time.perf_counter()
    _ = large.index
    print(f"bench parse_large_index_build_s {time.perf_counter() - start:.2f} s")
    times = latencies_ms(texts, large)
    print(f"bench parse_large_p50_ms {statistics.median(times):.2f} ms")
    print(f"bench parse_large_p99_ms {percentile(times, 99):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
