"""init drafts fuse links on C8's own load limit (session 40; review rec39: init sized links
on a "150 % continuous" capability of its own while C8 judges a link's load limit as its
minimum melting current / 1.5 — two rules for one question).

One function for both (:func:`protv2g.devices.load_limit.load_limit_a`): C8
(:mod:`protv2g.checks.load`, :mod:`protv2g.checks.fuse_window`) and the draft
(:func:`protv2g.study_draft.fuse_draft.c8_limit_a`) call it. Figures by hand from the
library's data file: the 300 s minimum melting current of each link (600 s for 140K and 200K;
``melting_ranges.min_a[0]`` of ``protv2g/relay_library/fuse_links.yaml``, ANSI C37.43 as
recalled from catalogue reproductions, its header says so) / 1.5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import protv2g.checks.fuse_gg_limits as c8_limits
import protv2g.checks.load as c8
from protv2g.devices import load_limit
from protv2g.study_draft import fuse_draft
from protv2g.study_draft.fuse_draft import (
    K_LINKS,
    c8_limit_a,
    c8_link,
    continuous_link,
    load_link,
)

_LINKS = yaml.safe_load((Path(fuse_draft.__file__).parents[1] / "relay_library"
                         / "fuse_links.yaml").read_text())["curves"]
#: The data file's first melting point (300 s; 600 s for 140K and 200K), minimum, A.
MIN_MELT_A = {int(c["rating_a"]): float(c["melting_ranges"]["min_a"][0]) for c in _LINKS
              if str(c["name"]).endswith("K")}


def test_one_function_for_c8_and_the_draft():
    assert c8.load_limit_a is load_limit.load_limit_a
    assert c8_limits.load_limit_a is load_limit.load_limit_a
    assert fuse_draft.load_limit_a is load_limit.load_limit_a


@pytest.mark.parametrize("rating", [*K_LINKS, 80])
def test_c8_limit_of_a_link_is_its_minimum_melt_over_1_5(rating):
    """rec39's ckt5 example: an 80K's C8 limit is 160 / 1.5 = 106.7 A (not its 150 %
    continuous 120 A); 25K 50 / 1.5 = 33.3 A."""
    assert c8_limit_a(rating) == pytest.approx(MIN_MELT_A[rating] / 1.5, rel=1e-9)
    assert (MIN_MELT_A[80], MIN_MELT_A[25]) == (160.0, 50.0)


def test_every_drafted_link_passes_c8_at_its_peak_load():
    """Over peaks 0–133.3 A (200K's continuous 200 A / 1.5, the largest drafted) the drafted
    link's C8 limit is above the peak — by C8's function — and the link is the larger of the
    two parts' smallest links. On the preferred series the cold-load part decides (it asks
    ≥ the rating for ≤ 100K, C8 about 1.33 × the rating; 140K/200K 0.67 ×): rec39's "a
    drafted link can fail C8 on its first run" does not hold for init's links."""
    for peak in np.linspace(0.0, 133.3, 1334):
        link = load_link(peak)
        assert link is not None
        assert c8_limit_a(link) > peak
        assert link == max(c8_link(peak), continuous_link(peak))
        assert c8_link(peak) <= continuous_link(peak)
    assert load_link(133.34) is None


def test_the_drafted_links_todo_names_c8s_limit(tmp_path):
    """The link's TODO gives both load figures and which decided (ckt5's F-END, 19.7 A:
    C8 alone would take a 15K, 20.7 A; the cold-load margin 29.6 A takes the 25K)."""
    pytest.importorskip("opendssdirect")
    import warnings

    from protv2g.devices.library import default_library
    from protv2g.network.dss_model import load_dss_model

    from .test_init_fuse_draft import MASTER

    (tmp_path / "Master.dss").write_text(MASTER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = load_dss_model(tmp_path / "Master.dss")
    fuses, _ = fuse_draft.choose_links(m, ["line.tap_fuse", "line.sub_fuse"],
                                       {"line.tap_fuse": 31.0, "line.sub_fuse": 19.7}, {},
                                       default_library())
    sub = {f.name: f for f in fuses}["f-sub_fuse"]
    assert sub.link == "25K"
    assert ("peak load 19.7 A; C8's load limit needs ≥ 15K (20.7 A = minimum melt / 1.5); "
            "× 1.5 = 29.5 A needs ≥ 25K (37.5 A continuous): the cold-load margin decides"
            ) in sub.why
    assert all(k in K_LINKS for k in (15, 25))
