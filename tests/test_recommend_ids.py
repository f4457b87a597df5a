"""``protv2g recommend`` names the findings left after the changes by their id in the list
before them (review s16: the after list was renumbered, so R01 = F27 = C10 before and F27 = a
C12 line after)."""

from __future__ import annotations

import pandas as pd

from protv2g.commands.recommend import before_ids


def _findings(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"finding": f"F{i + 1:02d}", "criterion": c, "device": d,
                          "other_device": o, "mechanism": m}
                         for i, (c, d, o, m) in enumerate(rows)])


def test_remaining_findings_keep_their_ids() -> None:
    before = _findings([("C2", "RC", "FU1", "fuse TC < delayed"), ("C10", "HEAD", "", "reclose"),
                        ("C12", "LN6", "", "thermal"), ("C2", "RC", "FU1", "fuse TC < delayed")])
    # C10 cleared; the C12 line and the second C2 row remain; a new C5 row appears
    after = _findings([("C2", "RC", "FU1", "fuse TC < delayed"), ("C12", "LN6", "", "thermal"),
                       ("C5", "HEAD", "", "reach")])
    assert before_ids(before, after) == ["F01", "F03", None]
