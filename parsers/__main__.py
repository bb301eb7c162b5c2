"""`python -m parsers --catalog DIR [--llm]`: JSON lines in, parsed orders out."""

from __future__ import annotations

import sys

from parsers.cli import main

if __name__ == "__main__":
    sys.exit(main())
