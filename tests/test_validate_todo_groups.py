"""``protv2g validate`` prints TODO items alike once (review s16: the IEEE 8500 draft listed 30
cutout ratings, one ~400-character sentence each differing only in the fault kA)."""

from __future__ import annotations

from protv2g.cli import todo_lines
from protv2g.errors import Issue


def _cutout(i: int, ka: float) -> Issue:
    return Issue("s.yaml", f"devices[{i}].interrupting_rating_ka (line {10 + 7 * i})",
                 f"drafted rating 8 kA asym ≥ the {ka:.2f} kA max fault", "give the rating")


def test_alike_items_are_one_line_with_their_fields() -> None:
    items = [_cutout(0, 3.69), _cutout(1, 0.93), _cutout(2, 0.92), _cutout(4, 0.5),
             Issue("s.yaml", "devices[5] (line 60)", "assumed head relay", "confirm it")]
    lines = todo_lines(items)
    assert lines == [
        str(items[0]) + " — and 3 more like it (other values): "
        "devices[1\u20132, 4].interrupting_rating_ka (lines 17\u201338)",
        str(items[4])]


def test_two_alike_are_printed_one_by_one() -> None:
    items = [_cutout(0, 3.69), _cutout(1, 0.93)]
    assert todo_lines(items) == [str(i) for i in items]


def test_an_unknown_link_lists_the_nearest_ratings_first() -> None:
    """Review s15/s16: '45K' listed '65K, 50K, 40K' (by spelling)."""
    import pytest

    from protv2g.devices.library import UnknownCurveError, default_library

    with pytest.raises(UnknownCurveError, match=r"closest names: 50K, 40K, 65K, 30K, 80K"):
        default_library().get("45K")
