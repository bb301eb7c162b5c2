"""Detected boxes regrouped into the written lines of a list, along their own slope."""

from __future__ import annotations

import numpy as np

from parsers.ocr.lines import Piece, group


def piece(x: float, y: float, width: float, text: str, slope: float = 0.0,
          height: float = 40.0) -> Piece:
    """A box whose left edge's middle is at (x, y), rising `slope` px per px to the right."""
    left_top, left_bottom = (x, y - height / 2), (x, y + height / 2)
    dy = slope * width
    box = np.array([left_top, (x + width, y - height / 2 + dy), (x + width, y + height / 2 + dy),
                    left_bottom], np.float32)
    return Piece(box, text)


def test_lines_come_out_top_to_bottom():
    pieces = [piece(100, 300, 300, "dal 5 kg"), piece(100, 100, 300, "chini 10 kg"),
              piece(120, 200, 300, "tel 2 peti")]
    assert group(pieces) == ["chini 10 kg", "tel 2 peti", "dal 5 kg"]


def test_a_line_cut_at_a_wide_gap_is_joined_left_to_right():
    pieces = [piece(600, 102, 150, "5 kg"), piece(100, 100, 300, "dal"),
              piece(100, 200, 400, "chini 10 kg")]
    assert group(pieces) == ["dal 5 kg", "chini 10 kg"]


def test_pieces_on_a_steep_line_stay_together_and_apart_from_the_next_line():
    # Photographed at an angle: each line climbs 60 px over its length, more than the gap
    # between lines, so grouping by image rows would mix them.
    slope = -0.12
    pieces = [piece(100, 200, 300, "masoor 10", slope), piece(420, 200 + 320 * slope, 100,
                                                              "kg", slope),
              piece(100, 150, 300, "chini 25", slope), piece(420, 150 + 320 * slope, 100, "kg",
                                                             slope)]
    assert group(pieces) == ["chini 25 kg", "masoor 10 kg"]


def test_nothing_detected_gives_no_lines():
    assert group([]) == []
