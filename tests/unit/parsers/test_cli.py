"""`python -m parsers` end to end, through a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from parsers import Catalog
from parsers.cli import handle_line

from .conftest import REPO


def run_cli(lines: list[str], *args: str, env: dict[str, str] | None = None) -> list[dict]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    environment.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "parsers", "--catalog", str(REPO / "data" / "catalog"), *args],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=REPO, timeout=120,
        env=environment, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_order_kept_and_bad_lines_answered() -> None:
    out = run_cli([
        json.dumps({"id": "a", "text": "chini 10 kg, 2 peti maggi"}),
        "this is not json",
        json.dumps({"id": "b", "text": "धन्यवाद"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": "cement 5 bag, coke 1 ctn"}),
    ])
    assert [o.get("id") for o in out] == ["a", None, "b", None, "c", "d"]
    assert out[0]["items"] == [{"sku": "SUGAR", "quantity": 10, "unit": "kg"},
                               {"sku": "MAGGI-70", "quantity": 2, "unit": "carton"}]
    assert out[0]["unmatched"] == [] and "error" not in out[0]
    assert "error" in out[1] and out[1]["items"] == []
    assert out[2] == {"id": "b", "items": [], "unmatched": []}
    assert "error" in out[3] and "error" in out[4]
    assert out[5]["unmatched"] == ["cement"]


def test_llm_flag_without_key_uses_rules() -> None:
    out = run_cli([json.dumps({"id": "x", "text": "chini 1 bora"})], "--llm")
    assert out == [{"id": "x", "items": [{"sku": "SUGAR", "quantity": 1, "unit": "sack"}],
                    "unmatched": []}]


def test_image_lines_use_ocr_or_report_an_error(catalog: Catalog, tmp_path: Path) -> None:
    line = json.dumps({"id": "img", "image": str(tmp_path / "missing.jpg")})

    def fake_ocr(path: str) -> str:
        assert path.endswith("missing.jpg")
        return "chini 5 kg\ncoke 1 ctn"

    out = handle_line(line, catalog, None, read_image=fake_ocr)
    assert [i["sku"] for i in out["items"]] == ["SUGAR", "COKE-500"]

    def broken_ocr(path: str) -> str:
        raise ImportError("No module named 'parsers.ocr'")

    out = handle_line(line, catalog, None, read_image=broken_ocr)
    assert out["id"] == "img" and out["items"] == [] and "ImportError" in out["error"]


def test_image_line_through_the_real_command(tmp_path: Path) -> None:
    # Whatever state OCR is in, a missing file yields one line with an error, never a crash.
    out = run_cli([json.dumps({"id": "i1", "image": str(tmp_path / "nope.jpg")}),
                   json.dumps({"id": "t1", "text": "chini 1 bora"})])
    assert [o["id"] for o in out] == ["i1", "t1"]
    assert out[0]["items"] == [] and "error" in out[0]
    assert out[1]["items"][0]["sku"] == "SUGAR"
