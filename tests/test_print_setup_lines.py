"""``print_setup.wrapped_lines`` counts the lines :func:`textwrap.wrap` makes (#21, wbtxt36:
a line that fits is counted without wrapping it, each text counted once)."""

from __future__ import annotations

import math
import textwrap

import numpy as np

from protv2g.report.print_setup import _CHARS_PER_WIDTH, wrapped_lines


def _textwrap_lines(text: object, width: float) -> int:
    """The count as written before (main at d170433)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return 1
    per_line = max(1, int(width * _CHARS_PER_WIDTH))
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True)))
               for part in str(text).split("\n"))


def test_wrapped_lines_equal_textwrap_counts() -> None:
    rng = np.random.default_rng(36)
    alphabet = list("abcdefghij ABC,.-–→µΩ") + [" ", " ", "\t", "\n", "\r", "\v", "\u00a0",
                                                "\u2003", "xxxxxxxxxxxxxxxxxxxxxxxx"]
    texts: list[object] = [None, float("nan"), 1.5, 12345678901234567890, True, "", " ", "\n",
                           "\t", "a\tb", "x" * 200, "word " * 40]
    texts += ["".join(rng.choice(alphabet, size=int(rng.integers(0, 160))))
              for _ in range(3000)]
    for text in texts:
        for width in (0.5, 1.0, 8.0, 9.0, 20.0, 35.0, 60.0, 100.0):
            assert wrapped_lines(text, width) == _textwrap_lines(text, width), (text, width)
