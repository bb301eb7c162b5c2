"""Labelled sets through the command line and the shared scorer.

The dev set must score F1 >= 0.98 with >= 0.92 of messages exactly right and >= 0.92 of the
unknown items reported. The same floor holds for our own sets written in other styles:
`heldout.jsonl`; `hardcases.jsonl` (questions and complaints that name products, numbers as
words, quantities that add up or are corrected, words that are also product names, inflected
Devanagari, unknown brands, pack sizes in the name; en, romanised ne/hi and Devanagari); and
`hardcases-blind.jsonl`, the same kinds written after the first round of changes without
running the parser on it (its first score was F1 0.90, exact 0.90; the general rules its misses
showed, `a couple of`, `plus 12`, a size naming a variant of the line before, were added then).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, SHARED

F1_TARGET = 0.98
EXACT_TARGET = 0.92
ABSTAIN_TARGET = 0.92
DATA = Path(__file__).parent / "data"


def score(truth: Path, catalog: Path, tmp_path: Path) -> tuple[float, float, float, str]:
    pred = tmp_path / "pred.jsonl"
    with open(truth, encoding="utf-8") as stdin, open(pred, "w", encoding="utf-8") as stdout:
        subprocess.run(
            [sys.executable, "-m", "parsers", "--catalog", str(REPO / "data" / "catalog")],
            stdin=stdin, stdout=stdout, cwd=REPO, check=True, timeout=300,
        )
    proc = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score_parse.py"), "--catalog", str(catalog),
         "--truth", str(truth), "--pred", str(pred), "--show-errors"],
        capture_output=True, text=True, check=True, timeout=300,
    )
    last = proc.stdout.strip().splitlines()[-1]
    match = re.search(r"F1=([\d.]+) exact=([\d.]+) abstain=([\d.]+)", last)
    assert match, proc.stdout
    return float(match.group(1)), float(match.group(2)), float(match.group(3)), proc.stderr


def assert_scores(truth: Path, catalog: Path, tmp_path: Path) -> None:
    f1, exact, abstain, errors = score(truth, catalog, tmp_path)
    assert f1 >= F1_TARGET and exact >= EXACT_TARGET and abstain >= ABSTAIN_TARGET, (
        f"{truth.name}: F1={f1} exact={exact} abstain={abstain}\n{errors}")


@pytest.mark.skipif(not (SHARED / "eval" / "orders-dev.jsonl").exists(),
                    reason=f"shared eval data not found at {SHARED}")
def test_dev_set_scores(tmp_path: Path) -> None:
    assert_scores(SHARED / "eval" / "orders-dev.jsonl", SHARED / "catalog", tmp_path)


@pytest.mark.skipif(not (SHARED / "eval" / "score_parse.py").exists(),
                    reason=f"shared scorer not found at {SHARED}")
@pytest.mark.parametrize("name", ["heldout.jsonl", "hardcases.jsonl", "hardcases-blind.jsonl"])
def test_own_sets_score(name: str, tmp_path: Path) -> None:
    # Messages written by the parser's authors in other styles, never tuned on line by line.
    assert_scores(DATA / name, REPO / "data" / "catalog", tmp_path)


def test_own_sets_are_large_enough_and_labelled_in_every_script() -> None:
    hard = (DATA / "hardcases.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(hard) >= 60
    assert any(re.search("[\u0900-\u097f]", line) for line in hard)
