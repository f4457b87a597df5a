"""C5 names a site's own grounded-wye transformer only on the rows of a device it is behind
(review rev31b M2: on EPRI ckt24 the C5 rows of RC-MID, and of a fuse 10 km past the depot,
said "with depot's transformer depot_xf (YNd) (a zero-sequence source …)"; OpenDSS gives
RC-MID's 3I0 125.5 A with and without it — a zero-sequence source upstream of a device, or on
another branch, is in parallel with the substation's from the fault's side and diverts none of
the device's 3I0). Also: the note is kept apart from the export texts a twin scenario replaces.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from protv2g.checks.reach_text import reach_messages, transformer_note, transformers_below

NOTE = "depot's transformer depot_xf (YNd)"


def _ctx():
    study = SimpleNamespace(site_buses={"depot": 7})
    behind = {"head": {3, 7, 9}, "R-MID": {3, 9}}
    return SimpleNamespace(
        study=study, cache={"grounded site transformers": {"depot": NOTE}},
        base_of={"v2g": "base", "v2g-twin": "base", "base": "base"},
        downstream=lambda d: behind[d], devices={},
        export_text=lambda s: {"v2g": "with depot exporting 1.2 MW",
                               "v2g-twin": "with depot exporting 1.2 MW (firm)",
                               "base": "without V2G"}[s])


def test_only_devices_with_the_site_behind_them():
    ctx = _ctx()
    assert transformers_below(ctx, "head") == ("depot",)
    assert transformers_below(ctx, "R-MID") == ()
    assert NOTE in transformer_note(ctx, "v2g", transformers_below(ctx, "head"))
    assert transformer_note(ctx, "v2g", transformers_below(ctx, "R-MID")) == ""
    assert transformer_note(ctx, "base", ("depot",)) == ""  # the base case: not in service


def _bad(devices: list[str], scenarios: list[str]) -> dict[str, np.ndarray]:
    n = len(devices)
    text = {"element": "phase", "fault_bus_name": "b9", "fault_type": "SLG-a", "case": "min",
            "zone": "primary", "stage": "", "bracket": "low"}
    out = {"scenario": np.array(scenarios, dtype=object),
           "device": np.array(devices, dtype=object)}
    out.update({k: np.array([v] * n, dtype=object) for k, v in text.items()})
    out.update({k: np.full(n, x) for k, x in (("i_op_a", 120.0), ("ratio", 0.8),
                                               ("pickup_a", 150.0), ("factor", 1.5),
                                               ("i_first_a", 120.0))})
    return out


def test_messages_name_it_per_device_and_twins_keep_it():
    ctx = _ctx()
    msgs = reach_messages(ctx, _bad(["head", "R-MID", "head"], ["v2g", "v2g", "base"]))
    head, rmid, base = msgs.texts(np.arange(3)).tolist()
    assert "with depot exporting 1.2 MW, with " + NOTE in head
    assert NOTE not in rmid and "with depot exporting 1.2 MW: 0.80 × pickup" in rmid
    assert NOTE not in base
    # a twin scenario's rows: its export text replaces the source's, the note stays
    twin = msgs.replaced("with depot exporting 1.2 MW", "with depot exporting 1.2 MW (firm)")
    head_twin = twin.texts(np.arange(1)).tolist()[0]
    assert "with depot exporting 1.2 MW (firm), with " + NOTE in head_twin
