"""The `python -m parsers` command line (shared/spec/CONTRACT.md).

Reads `{"id", "text"}` or `{"id", "image": PATH}` JSON lines on stdin and writes one
`{"id", "items": [{"sku", "quantity", "unit"}], "unmatched": [...]}` line per input line, in
order. A line that cannot be read or parsed still gets an output line, with an `error`.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TextIO

from parsers import parse
from parsers.catalog import Catalog
from parsers.llm import LLMConfig

log = logging.getLogger("parsers.cli")


def _read_image_text(path: str, catalog: Catalog | None = None) -> str:
    # Imported only when an image arrives: OCR pulls in heavy optional dependencies.
    from parsers.ocr import read_image

    return read_image(path, catalog=catalog).text


def _error_line(case_id: Any, message: str) -> dict[str, Any]:
    return {"id": case_id, "items": [], "unmatched": [], "error": message}


def handle_line(line: str, catalog: Catalog, llm: LLMConfig | None,
                read_image: Callable[[str], str] = _read_image_text) -> dict[str, Any]:
    """One output record for one input line; never raises."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        return _error_line(None, f"bad JSON: {exc}")
    if not isinstance(record, dict):
        return _error_line(None, "expected a JSON object")
    case_id = record.get("id")
    try:
        if isinstance(record.get("text"), str):
            text = record["text"]
        elif isinstance(record.get("image"), str):
            text = read_image(record["image"])
        else:
            return _error_line(case_id, "expected a 'text' or 'image' field")
        result = parse(text, catalog, llm)
    except Exception as exc:  # noqa: BLE001 - one bad line must not stop the stream
        log.warning("line %r failed: %s", case_id, exc)
        return _error_line(case_id, f"{type(exc).__name__}: {exc}")
    return {"id": case_id, **result.to_dict()}


def run(stdin: TextIO, stdout: TextIO, catalog: Catalog, llm: LLMConfig | None) -> int:
    """Stream stdin to stdout, one output line per non-blank input line."""
    for line in stdin:
        if not line.strip():
            continue
        # The catalog's words guide OCR where handwriting is ambiguous.
        out = handle_line(line, catalog, llm, functools.partial(_read_image_text, catalog=catalog))
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m parsers`."""
    ap = argparse.ArgumentParser(prog="python -m parsers", description=__doc__)
    ap.add_argument("--catalog", required=True, help="folder holding products.csv")
    ap.add_argument("--llm", action="store_true",
                    help="use the LLM parser when OPENAI_API_KEY is set (falls back to rules)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    catalog = Catalog.load_dir(args.catalog)
    llm = LLMConfig.from_env() if args.llm else None
    if args.llm and llm is None:
        log.warning("--llm given but OPENAI_API_KEY is not set: using the rule-based parser")
    return run(sys.stdin, sys.stdout, catalog, llm)
