"""The photographed-list eval: OCR + text parser + the shared scorer, F1 must stay >= 0.85."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
IMAGES = SHARED / "eval" / "images-dev"
SCORER = SHARED / "eval" / "score_parse.py"
MIN_F1 = 0.85


def _skip_reason() -> str | None:
    if not (IMAGES / "labels.jsonl").exists() or not SCORER.exists():
        return f"shared eval data not found at {SHARED}"
    if not (ROOT / "parsers" / "__main__.py").exists():
        return "the `python -m parsers` CLI is not present yet"
    if shutil.which("tesseract") is None:
        return "tesseract-ocr is not installed"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_image_eval_f1_through_the_parser_cli(tmp_path: Path):
    lines = []
    for raw in (IMAGES / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        lines.append(json.dumps({"id": case["id"], "image": str(IMAGES / case["image"])}))
    predictions = tmp_path / "pred.jsonl"
    parsed = subprocess.run(
        [sys.executable, "-m", "parsers", "--catalog", str(ROOT / "data" / "catalog")],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT,
        timeout=600, check=True)
    predictions.write_text(parsed.stdout, encoding="utf-8")
    scored = subprocess.run(
        [sys.executable, str(SCORER), "--catalog", str(SHARED / "catalog"),
         "--truth", str(IMAGES / "labels.jsonl"), "--pred", str(predictions), "--show-errors"],
        capture_output=True, text=True, timeout=120, check=True)
    last = scored.stdout.strip().splitlines()[-1]
    match = re.search(r"F1=([0-9.]+)", last)
    assert match, scored.stdout
    assert float(match.group(1)) >= MIN_F1, scored.stdout
