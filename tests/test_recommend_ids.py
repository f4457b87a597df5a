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


def test_only_keeps_the_named_findings_and_refuses_an_unknown_id() -> None:
    """``recommend --finding F02`` searches F02 alone (review rev38a X4: IEEE 8500's 72
    findings at ≈ 140 s each under load, no way to search the gate's fail lines first); an id
    the study has not is refused with the ids it has."""
    import pytest

    from protv2g.errors import InputError
    from protv2g.recommend.evaluator import _identity
    from protv2g.recommend.search_order import only_findings

    before = _findings([("C2", "RC", "FU1", "fuse TC < delayed"), ("C10", "HEAD", "", "reclose"),
                        ("C12", "LN6", "", "thermal")]).assign(margin_unit="s")
    keys = list(_identity(before))
    assert only_findings(keys, before, ["f02"]) == [keys[1]]
    assert only_findings(keys[::-1], before, ["F03", "F01"]) == [keys[2], keys[0]]
    with pytest.raises(InputError) as err:
        only_findings(keys, before, ["F09"])
    (issue,) = err.value.issues
    assert issue.field == "--finding" and "no finding F09" in issue.message
    assert "give one of F01, F02, F03" in issue.fix
