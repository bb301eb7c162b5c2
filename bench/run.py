"""`make bench`: every benchmark of the service, one after the other, on this machine.

Each prints `bench NAME VALUE UNIT` lines (CONTRACT.md), with a baseline measured in the same
run so that the ratios mean something on a shared, noisy machine.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("bench_parse.py", "bench_ocr.py", "bench_intake.py", "bench_e2e.py")


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"# {script}", flush=True)
        result = subprocess.run([sys.executable, str(BENCH / script)], cwd=BENCH.parent)
        if result.returncode != 0:
            failed.append(script)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
