"""Regroup detected text boxes into the written lines of a list, top to bottom.

The detector may cut one written line in two where a gap is wide ("dal    5 kg"); such
pieces sit end to end on the same (possibly tilted) baseline. Lines are compared along
their own slope, not by image rows, so a list photographed at an angle keeps its lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Pieces join when the next one starts within this share of a line height of where the
# previous one's centre line, extended, would be.
SAME_LINE = 0.5
# Pieces may overlap by this share of a line height (a descender, a wide unclip).
OVERLAP = 0.3


@dataclass(frozen=True)
class Piece:
    """One detected box (tl, tr, br, bl corners) and the text read in it."""

    box: np.ndarray
    text: str

    @property
    def left(self) -> np.ndarray:
        return (self.box[0] + self.box[3]) / 2

    @property
    def right(self) -> np.ndarray:
        return (self.box[1] + self.box[2]) / 2

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.box[3] - self.box[0])
                     + np.linalg.norm(self.box[2] - self.box[1])) / 2

    @property
    def slope(self) -> float:
        run = float(self.right[0] - self.left[0])
        return float(self.right[1] - self.left[1]) / max(run, 1.0)


def group(pieces: list[Piece]) -> list[str]:
    """Texts of the written lines, top to bottom, pieces of a line joined left to right."""
    lines: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: float(p.left[0])):
        target = _line_for(piece, lines)
        if target is None:
            lines.append([piece])
        else:
            target.append(piece)
    if not lines:
        return []
    x_ref = float(np.median([float(p.left[0]) for p in pieces]))
    lines.sort(key=lambda line: _y_at(line[0], x_ref))
    return [" ".join(p.text for p in line if p.text) for line in lines]


def _line_for(piece: Piece, lines: list[list[Piece]]) -> list[Piece] | None:
    best: tuple[float, list[Piece]] | None = None
    for line in lines:
        last = line[-1]
        size = min(piece.height, last.height)
        gap = float(piece.left[0] - last.right[0])
        if gap < -OVERLAP * size:
            continue
        drift = abs(float(last.right[1]) + last.slope * gap - float(piece.left[1]))
        if drift < SAME_LINE * size and (best is None or drift < best[0]):
            best = (drift, line)
    return best[1] if best else None


def _y_at(piece: Piece, x: float) -> float:
    return float(piece.left[1]) + piece.slope * (x - float(piece.left[0]))
