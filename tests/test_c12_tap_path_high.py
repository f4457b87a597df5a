"""C12 over-voltage judged over where in its band a regulator with line-drop compensation
rests when the export starts, as the under-voltage rows are (review rev49b #1: IEEE 8500's
homes at sx3312692a, 1.0491 pu from the base case's taps, 1.0549 pu in OpenDSS, 1.0558 pu
from the top of the band — no row; :mod:`protv2g.checks.flow_tap_path`).

A small OpenDSS feeder written here (:mod:`tests.test_c12_tap_path`'s, the source high): a
stiff source at 1.093 pu, 3 km of line to ``a``, one gang-operated regulator ``a`` → ``ar``
(vreg 120.9 V, band 2 V, PT 60, CTprim 300 A, LDC R = 6 V, X = 12 V) that bucks, 12 km to
``lat`` (2 MW at pf 0.9) and 8 km to ``site`` (a 700 kW depot). Compiled afresh the tap comes
down from 1.0 and stops at the top of its band (0.98125). The export lowers the regulator's
current, its compensated voltage rises: the top tap leaves the band and the continuation
taps down (0.96875), while the band's bottom tap (0.96875) stays in it.

Reference, nothing computed by protv2g: OpenDSS (``opendssdirect``,
:func:`tests.test_c12_tap_path.dss_driver`) — the taps the band holds
without and with V2G from the control's own law, ``|V/PT − I/CTprim·(R + jX)|`` inside
vreg ± band/2 on phase 1 (IEEE C57.15; OpenDSS RegControl), each solved with the controls
off; the depot's export from the settled tap with the controls acting (the continuation).
Hand check: from the settled tap ``site`` rises 0.0009 pu (1.0481 → 1.0490 pu, passing),
from the top of the band likewise, from the bottom of the band in both cases 0.0072 pu —
1.0481 + 0.0072 = 1.0554 pu, over 1.05 + 0.001 pu. Before this change the row was judged
from the base case's taps alone: no row.
"""

from __future__ import annotations

import numpy as np
import pytest

from .drafted_run import drafted_result
from .test_c12_tap_path import _DSS as _FEEDER
from .test_c12_tap_path import dss_driver

#: :mod:`tests.test_c12_tap_path`'s feeder, the source at 1.093 pu, vreg 120.9 V, ``site`` 8 km
#: out with no load of its own.
_DSS = (_FEEDER.replace("pu=1.0 ", "pu=1.093 ").replace("vreg=120 ", "vreg=120.9 ")
        .replace("bus2=site phases=3 length=1 ", "bus2=site phases=3 length=8 ")
        .replace("kw=300 pf=0.95", "kw=0 pf=0.95"))
_KW = 700.0
_VREG = 120.9


def _opendss(path) -> dict:
    """OpenDSS itself (module docstring): ``site``'s highest phase (pu) without and with the
    depot at the band's top and bottom and from the settled tap; the taps."""
    compile_, solve, held = dss_driver(path, "site", max, _VREG, 1.0)
    compile_()
    v0, settled = solve(0.0)
    out = {"settled": settled, "held": held(0.0), "held_v2g": held(_KW)}
    out["from_base"] = (v0, *solve(_KW, settled))
    for name, pick in (("top", max), ("bottom", min)):
        out[name] = (solve(0.0, pick(out["held"]), controls=False)[0],
                     solve(_KW, pick(out["held_v2g"]), controls=False)[0])
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    result, path = drafted_result(tmp_path_factory.mktemp("tappathhigh"), _DSS,
                                  "depot:site:7:100")
    return result, _opendss(path)


def _rise(ref, start: str) -> float:
    return ref[start][1] - ref[start][0]


def test_the_feeder_is_what_the_bracket_is_about(small) -> None:
    """OpenDSS: the band holds 0.96875–0.98125 without V2G, the tap settled on its top;
    0.9625–0.96875 with the depot: the continuation taps down one step and ``site`` rises
    0.0009 pu (passing), from the bottom of the band in both cases (0.96875 both) 0.0072 pu,
    over the limit and its tolerance."""
    _, ref = small
    assert ref["held"] == pytest.approx([0.96875, 0.975, 0.98125])
    assert ref["held_v2g"] == pytest.approx([0.9625, 0.96875])
    assert ref["settled"] == pytest.approx(max(ref["held"]))
    assert ref["from_base"][2] == pytest.approx(0.96875)
    assert min(ref["held"]) == pytest.approx(max(ref["held_v2g"]))
    assert ref["from_base"][0] < 1.05 and ref["from_base"][1] < 1.05
    assert _rise(ref, "bottom") > _rise(ref, "from_base") + 0.005
    assert ref["from_base"][0] + _rise(ref, "bottom") > 1.05 + 0.001 + 0.001


@pytest.mark.parametrize(("column", "start"), [("vm_band_top_high_pu", "top"),
                                               ("vm_band_bottom_high_pu", "bottom")])
def test_the_flow_gives_each_starts_highest_as_opendss(small, column, start) -> None:
    """The flow's highest-voltage band columns at ``site``, without and with the depot, are
    OpenDSS's at the highest and the lowest tap the control's law holds; the row's own
    voltage is OpenDSS's continuation from the settled tap; within 2e-4 pu."""
    result, ref = small
    b = result.flow.buses
    at = b[b.bus_name.astype(str) == "site"].set_index("scenario")
    assert at.loc["base/peak", column] == pytest.approx(ref[start][0], abs=2e-4)
    assert at.loc["firm/peak/100%", column] == pytest.approx(ref[start][1], abs=2e-4)
    assert at.loc["firm/peak/100%", "vm_pu"] == pytest.approx(ref["from_base"][1], abs=2e-4)


def test_the_over_voltage_row_is_judged_from_the_conservative_start(small) -> None:
    """``site`` with the depot: passing from the base case's taps (no row before this change),
    over the limit from the bottom of the band in both cases — ``fail``, ``new`` (its base
    case passes), margin the limit less the base case's voltage plus that rise; the message
    says the three rises and which drove it."""
    result, ref = small
    v = result.violations
    r = v[(v.criterion == "C12") & (v.fault_bus.astype(str) == "site")
          & (v.scenario == "firm/peak/100%")]
    assert len(r) == 1, v[v.criterion == "C12"][["scenario", "fault_bus", "message"]]
    r = r.iloc[0]
    assert str(r.status) == "fail"
    assert r.attribution == "new"
    judged = ref["from_base"][0] + _rise(ref, "bottom")
    assert r.margin == pytest.approx(1.05 - judged, abs=2e-4)
    msg = str(r.message)
    assert msg.startswith("voltage ") and " pu at site " in msg
    assert float(msg.split()[1]) == pytest.approx(judged, abs=1e-3)
    assert ("judged on the rise from the bottom of their band with and without V2G, the "
            "conservative end") in msg
    said = msg.split("V2G raises site by ")[1].split(" pu from the base case's taps")[0]
    assert float(said) == pytest.approx(_rise(ref, "from_base"), abs=2e-4)


def test_judged_high_mirrors_judged_low() -> None:
    """The rule itself: the base case's voltage plus the largest rise where a band start
    raises the bus more than the continuation, the row's own voltage otherwise (review
    rev49b's 8500 figures: 1.0305 + 0.0248 pu from the top; F60's +0.0033 pu continuation
    against −0.0035 pu from the top stands)."""
    from protv2g.checks.flow_tap_path import judged_high

    v, start = judged_high(np.array([1.0491, 1.0543, 1.06]),
                           np.array([[0.0186, 0.0248, 0.0151], [0.0033, -0.0035, np.nan],
                                     [np.nan] * 3]), np.array([1.0305, 1.0510, np.nan]))
    assert v.tolist() == pytest.approx([1.0553, 1.0543, 1.06])
    assert start.tolist() == [1, 0, 0]


def test_the_hosting_tolerance_end_judges_as_c12() -> None:
    """The hosting figure's tolerance end (:mod:`protv2g.hosting.tolerance_end`) judges the
    same voltage as C12: the base case's plus the largest rise of the three starts (this
    feeder's OpenDSS figures, module docstring: 1.0481 → 1.0490 pu from the settled tap,
    1.0354 → 1.0426 pu at the bottom of the band). Before, from the settled tap alone:
    1.0490 pu, 0.0011 pu short of 1.05 + 0.0001 pu."""
    import pandas as pd

    from protv2g.hosting.tolerance_end import excess_by_bus

    bus = pd.DataFrame({"scenario": ["base", "v2g"], "bus": [0, 0], "vm_pu": [1.0481, 1.0490],
                        "vm_band_top_high_pu": [1.0481, 1.0490],
                        "vm_band_bottom_high_pu": [1.0354, 1.0426]})
    e = excess_by_bus(bus, {"v2g": "base"}, {"v2g"}, 1.05)["v2g"]
    assert e.loc[0] == pytest.approx(1.0481 + 0.0072 - 1.0501, abs=1e-9)


def test_the_row_carries_the_three_rises_and_its_start_as_columns(small) -> None:
    """The three rises and the start the message says are the row's columns (in its unit,
    pu), OpenDSS's rises within 2e-4 pu; the hosting words read them, not the message (old
    code: no columns, and a reworded message gave no words)."""
    from protv2g.hosting.voltage_text import start_words

    result, ref = small
    v = result.violations
    r = v[(v.criterion == "C12") & (v.fault_bus.astype(str) == "site")
          & (v.scenario == "firm/peak/100%")].iloc[0]
    assert r.judged_start == "band_bottom"
    assert r.change_own_taps == pytest.approx(_rise(ref, "from_base"), abs=2e-4)
    assert r.change_band_top == pytest.approx(_rise(ref, "top"), abs=2e-4)
    assert r.change_band_bottom == pytest.approx(_rise(ref, "bottom"), abs=2e-4)
    said = str(r.message).split("V2G raises site by ")[1]
    for c, s in (("change_own_taps", "the base case's taps"),
                 ("change_band_top", "the top of their band"),
                 ("change_band_bottom", "the bottom of their band")):
        assert float(said.split(f" pu from {s}")[0].split()[-1]) == pytest.approx(r[c],
                                                                                 abs=5e-5)
    row = dict(r, message="reworded")
    words = start_words(row, 1.05 - float(r.margin) - float(r.change_band_bottom))
    assert words.startswith("judged from the bottom of the regulators' band")
    assert f"({float(r.change_band_bottom):+.4f} pu, set by" in words
    carried = v[v.change_own_taps.notna()]
    assert (carried.criterion == "C12").all() and (carried.judged_start.astype(str) != "").all()
