"""With existing inverters on the feeder, each compared row reads the "every charger idle"
figure of the end of the minimum case it took (ver36 V2/V3, :mod:`protv2g.pipeline_der_min`).

A minimum-case device row of the OpenDSS path is the lower of the existing inverters out
(IEC 60909-0's minimum case) and in (review rev34c M4), per row. The network part with every
charger idle (``SITES_IDLE``), the reference of C1–C6's "caused by the project's equipment"
test, is solved at both ends; a row that took the inverters in must be judged against the
idle row with them in, one that kept them out against the idle row with them out. Before,
the idle part was solved with them out only (V2: EPRI J1 with one 1 kW charger, the head's
3I0 at SLG-c b5218 303.5 A on the row, 311.6 A idle — C5 "caused by V2G"), then with its own
lower end (63fbd61, V3: a C1 row passed idle at the other end, "caused by V2G").

The frames here are small and written out: which end a row took is the flag
``der_in_min``, the figures are made up so that the two ends differ by a few amperes, and
the expected idle figure of each row is the one of its own end, by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.study.engine_inputs import SITES_IDLE

TWIN = SITES_IDLE + " (existing DER in the min case)"
V2G = "firm/light/100%"
# (scenario, device, fault bus, fault type, phase, case, |I| kA of every phase, der_in_min)
DEVICE_ROWS = [
    # the V2G set's rows (after lower_with_der): at the site's own bus 9 (no base row) ...
    (V2G, "head", 9, "SLG-a", "a", "min", 0.3000, True),    # took the PV in
    (V2G, "head", 9, "SLG-b", "b", "min", 0.3199, False),   # kept it out
    (V2G, "head", 9, "SLG-a", "a", "max", 0.5000, False),   # maximum case: one end
    # ... and at bus 1, which the base case has (the idle figure goes to IDLE_COLUMNS)
    (V2G, "head", 1, "SLG-a", "a", "min", 0.2491, True),
    # the idle part, PV out
    (SITES_IDLE, "head", 9, "SLG-a", "a", "min", 0.3120, False),
    (SITES_IDLE, "head", 9, "SLG-b", "b", "min", 0.3200, False),
    (SITES_IDLE, "head", 9, "SLG-a", "a", "max", 0.4999, False),
    (SITES_IDLE, "head", 1, "SLG-a", "a", "min", 0.2700, False),
    # the idle part, PV in (its twin)
    (TWIN, "head", 9, "SLG-a", "a", "min", 0.2999, True),
    (TWIN, "head", 9, "SLG-b", "b", "min", 0.3030, True),
    (TWIN, "head", 9, "SLG-a", "a", "max", 0.4999, False),
    (TWIN, "head", 1, "SLG-a", "a", "min", 0.2490, True),
]


def _device(rows) -> pd.DataFrame:
    cols = ["scenario", "device", "fault_bus", "fault_type", "phase", "case", "i_ka",
            "der_in_min"]
    f = pd.DataFrame(rows, columns=cols)
    for p in "abc":
        f[f"i{p}_ka"] = f["i_ka"]
        f[f"i{p}_degree"] = {"a": 0.0, "b": -120.0, "c": 120.0}[p]
    f["fault_bus_name"] = f["fault_bus"].map({9: "depot_lv", 1: "b1"})
    f["i3i0_ka"] = 0.0
    return f.drop(columns="i_ka")


def _bus(scenarios, buses) -> pd.DataFrame:
    rows = [(s, b, t, ph, c) for s in scenarios for b in buses
            for t, ph, c in (("SLG-a", "a", "min"), ("SLG-b", "b", "min"), ("SLG-a", "a", "max"))]
    f = pd.DataFrame(rows, columns=["scenario", "bus", "fault_type", "phase", "case"])
    for p in "abc":
        f[f"i{p}_ka"] = 1.0
        f[f"i{p}_degree"] = 0.0
    f["i3i0_ka"] = 1.0
    return f


def _concat():
    from protv2g.pipeline_dss import DssFaultFrames, _concat_frames

    base_dev = _device([("base/light", "head", 1, "SLG-a", "a", "min", 0.2600, False)])
    base = DssFaultFrames(_bus(["base/light"], [1]), base_dev, {"base/light": "base/light"})
    v2g = DssFaultFrames(_bus([V2G, SITES_IDLE, TWIN], [1, 9]), _device(DEVICE_ROWS),
                         {V2G: V2G})
    return _concat_frames([base, v2g], {"base/light"}).device


def test_each_row_reads_the_idle_figure_of_the_end_it_took():
    """The V2G rows' idle figures (NET_COLUMNS where the base case has no such row,
    IDLE_COLUMNS where it has) are the idle part's at the row's own end, on every phase."""
    dev = _concat()
    v = dev[dev["scenario"] == V2G].set_index(["fault_bus", "fault_type", "case"])
    for p in "abc":
        net = v[f"i{p}_net_ka"]
        # took the PV in → the twin's 0.2999 kA (PV out would be 0.3120: the V2 error)
        assert abs(net[(9, "SLG-a", "min")] - 0.2999) < 1e-12
        assert abs(net[(9, "SLG-b", "min")] - 0.3200) < 1e-12  # kept it out
        assert abs(net[(9, "SLG-a", "max")] - 0.4999) < 1e-12  # maximum case: one end
        assert np.isnan(net[(1, "SLG-a", "min")])  # a base row: the network part is the base
        idle = v[f"i{p}_idle_ka"]
        assert abs(idle[(1, "SLG-a", "min")] - 0.2490) < 1e-12  # (PV out: 0.2700)
    # with the chargers' 0.1 A the only difference, the idle figure is within 0.1 A of the row
    row = v["ia_ka"].to_numpy(float)
    ref = np.where(np.isfinite(v["ia_net_ka"]), v["ia_net_ka"], v["ia_idle_ka"])
    assert np.abs(row - ref).max() * 1000.0 < 0.11


def test_the_idle_part_keeps_both_ends_and_the_flag_is_data():
    """:func:`~protv2g.pipeline_der_min.lower_with_der` folds a charger set's rows to their
    lower end and flags them; the idle part (``keep``) keeps both ends, its twin's
    minimum-case rows flagged."""
    from protv2g.pipeline_der_min import DER_IN_COLUMN, der_min_twins, lower_with_der

    own = [r[:7] + (False,) for r in DEVICE_ROWS if r[0] == V2G]
    twin = [(V2G + " (existing DER in the min case)",) + r[1:6] + (x,) + (r[5] == "min",)
            for r, x in zip(own, (0.2999, 0.3300, 0.5000, 0.2490), strict=True)]
    dev = _device(own + twin + DEVICE_ROWS[4:])
    twins = der_min_twins({V2G: (), SITES_IDLE: ()}, set())
    out, _, taken = lower_with_der(dev, twins, keep=(SITES_IDLE,))
    assert taken == 2  # SLG-a at 9 and at 1 lower with the PV in; SLG-b higher; max: no twin
    v = out[out["scenario"] == V2G]
    assert v[DER_IN_COLUMN].tolist() == [True, False, False, True]
    assert np.allclose(v["ia_ka"], [0.2999, 0.3199, 0.5000, 0.2490])
    idle = out[out["scenario"].isin([SITES_IDLE, TWIN])]
    assert np.allclose(idle["ia_ka"], [r[6] for r in DEVICE_ROWS[4:]])  # both ends as solved
    assert idle[DER_IN_COLUMN].tolist() == [False] * 4 + [True, True, False, True]


def test_an_idle_pair_row_that_took_the_der_in_is_judged_at_that_end_only():
    """C1's idle pair with existing DER is the equipment's where it fails at both ends of the
    maximum case's DER (its first cycle, the grid alone). A minimum-case row that took the
    inverters in has the grid alone (inverters out) as the end it did *not* take: it is
    judged at its own end for both (ver36 V3)."""
    from protv2g.checks._common import CheckContext
    from protv2g.checks.converter_sum import GRID_COLUMNS, NET_COLUMNS
    from protv2g.checks.equipment import idle_coordination

    from .test_equipment_pairs import _pair_rows

    faults = pd.DataFrame({
        "scenario": ["s", "s"], "device": ["head", "head"], "fault_bus": [7, 7],
        "fault_type": ["SLG-a", "3ph"], "case": ["min", "min"],
        "fault_bus_name": ["depot_lv", "depot_lv"], "ia_ka": [0.2, 0.2], "ib_ka": [0.0, 0.2],
        "ic_ka": [0.0, 0.2], "i3i0_ka": [0.2, 0.0], "der_in_min": [True, False],
        **{c: [0.2, 0.2] if c.endswith("_ka") else [0.0, 0.0] for c in NET_COLUMNS},
        # the grid alone (inverters out): less current on both rows
        **{c: [0.1, 0.1] if c.endswith("_ka") else [0.0, 0.0] for c in GRID_COLUMNS}})
    seen = []

    def evaluate(sub):  # the rule fails where the head sees more than 0.15 kA
        t = sub.faults
        seen.append(t["ia_ka"].round(6).tolist())
        return _pair_rows(list(0.15 - t["ia_ka"].to_numpy(float)), "s").assign(
            fault_type=t["fault_type"].to_numpy())

    ctx = CheckContext(study=None, thresholds=None, devices={}, build_errors={},
                       faults=faults, chains=pd.DataFrame(), pairs=pd.DataFrame(),
                       zones=pd.DataFrame(), scenarios={}, base_of={})
    out = idle_coordination(ctx, evaluate)
    assert seen == [[0.2, 0.2], [0.2, 0.1]]  # the SLG-a row at its own (PV-in) end twice
    assert out["ok"].tolist() == [False, True]  # SLG-a fails at its end; 3ph passes PV-out


def _stages(first_a, sustained_a):
    """Two-stage :class:`StagedCurrents` (A per row: ``|Ia|, |Ib|, |Ic|, |3I0|``)."""
    from protv2g.engine.staged_tables import StagedCurrents

    i = np.stack([np.asarray(first_a, np.float32), np.asarray(sustained_a, np.float32)])
    n = i.shape[1]
    t0 = np.array([[0.0] * n, [0.0167] * n], np.float32)
    t1 = np.array([[0.0167] * n, [np.inf] * n], np.float32)
    return StagedCurrents(i, t0, t1, ("first_cycle", "sustained"), pd.DataFrame())


def test_the_idle_figure_of_a_der_in_row_holds_the_pvs_sustained_stage():
    """Where the row took the PV in, the idle part has a converter (the PV): its sustained
    stage (the PV at its sustained limit) is what C5 reads of the row itself on a
    time-delayed element — the smaller of the two brackets, as C5 takes it. Rows of the
    PV-out end (no converter in the idle part) have none: NaN, the first cycle holds."""
    from protv2g.checks.converter_sum import IDLE_SUSTAINED_COLUMNS
    from protv2g.pipeline_blocks import idle_positions
    from protv2g.pipeline_der_min import with_idle_sustained

    dev = _device(DEVICE_ROWS)
    dev["i3i0_ka"] = dev["ia_ka"]  # ground faults: |3I0| as large as the faulted phase
    at = idle_positions(dev, SITES_IDLE, TWIN)
    assert at[:4].tolist() == [8, 5, 6, 11]  # each V2G row's idle row of its own end
    first = [[1000.0 * x] * 4 for x in dev["ia_ka"]]
    # the PV at its sustained limit feeds less: the head sees more, 3I0 3.2 A more, 3.5 A
    # more in the high bracket (the smaller, 3.2 A, is the one C5 reads)
    low = _stages(first, [[a + 3.2 for a in r] for r in first])
    high = _stages(first, [[a + 3.5 for a in r] for r in first])
    out = with_idle_sustained(dev, at, low, high)
    ph, gr = (out[c].to_numpy(float) for c in IDLE_SUSTAINED_COLUMNS)
    assert abs(gr[0] - (299.9 + 3.2)) < 1e-3 and abs(ph[0] - (299.9 + 3.2)) < 1e-3
    assert abs(gr[3] - (249.0 + 3.2)) < 1e-3
    assert np.isnan(gr[[1, 2]]).all() and np.isnan(gr[4:8]).all()  # the PV-out end


def test_c5_reads_the_idle_figure_at_the_rows_stage():
    """:func:`~protv2g.checks.equipment_rows.idle_times`: a row judged on the sustained stage
    whose idle figure has one gets it as its current; a first-cycle row (an instantaneous
    element) keeps the first cycle."""
    from types import SimpleNamespace

    from protv2g.checks.converter_sum import IDLE_SUSTAINED_COLUMNS, NET_COLUMNS
    from protv2g.checks.equipment_rows import idle_times

    faults = pd.DataFrame({
        "scenario": ["s"] * 2, "device": ["F"] * 2, "fault_bus": [9, 9],
        "fault_type": ["SLG-a", "SLG-b"], "case": ["min"] * 2,
        "fault_bus_name": ["depot_lv"] * 2,
        **{c: [0.3, 0.3] if c.endswith("_ka") else [0.0, 0.0] for c in NET_COLUMNS},
        IDLE_SUSTAINED_COLUMNS[0]: [303.2, np.nan], IDLE_SUSTAINED_COLUMNS[1]: [909.6, np.nan]})
    ctx = SimpleNamespace(faults=faults, devices={})
    rows = faults[["scenario", "device", "fault_bus", "fault_type", "case"]]
    got = idle_times(ctx, rows.assign(stage=["sustained", "sustained"]))
    assert got["i_phase_a"].round(6).tolist() == [303.2, 300.0]
    assert got["i_ground_a"].round(6).tolist() == [909.6, 900.0]
    got = idle_times(ctx, rows.assign(stage=["first_cycle", "first_cycle"]))
    assert got["i_phase_a"].round(6).tolist() == [300.0, 300.0]
