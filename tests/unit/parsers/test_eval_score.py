"""The dev set through the command line and the shared scorer: F1 >= 0.97, exact >= 0.90."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, SHARED

F1_TARGET = 0.97
EXACT_TARGET = 0.90


def score(truth: Path, catalog: Path, tmp_path: Path) -> tuple[float, float, str]:
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
    match = re.search(r"F1=([\d.]+) exact=([\d.]+)", last)
    assert match, proc.stdout
    return float(match.group(1)), float(match.group(2)), proc.stderr


@pytest.mark.skipif(not (SHARED / "eval" / "orders-dev.jsonl").exists(),
                    reason=f"shared eval data not found at {SHARED}")
def test_dev_set_scores(tmp_path: Path) -> None:
    f1, exact, errors = score(SHARED / "eval" / "orders-dev.jsonl", SHARED / "catalog", tmp_path)
    assert f1 >= F1_TARGET and exact >= EXACT_TARGET, f"F1={f1} exact={exact}\n{errors}"


@pytest.mark.skipif(not (SHARED / "eval" / "score_parse.py").exists(),
                    reason=f"shared scorer not found at {SHARED}")
def test_own_heldout_set_scores(tmp_path: Path) -> None:
    # Messages written by the parser's authors in other styles, never tuned on line by line.
    truth = Path(__file__).parent / "data" / "heldout.jsonl"
    f1, exact, errors = score(truth, REPO / "data" / "catalog", tmp_path)
    assert f1 >= F1_TARGET and exact >= EXACT_TARGET, f"F1={f1} exact={exact}\n{errors}"
