"""Report and text leftovers of the s22 review of EPRI's DG_Protection feeder (small23).

Each test pins one point of the brief: no empty slot in a hosting limit, no "published"
claim for data that is not, the element that operates in a row, the TCC's dotted legend, the
findings' worst margins and the unprotected lateral.
"""

from __future__ import annotations

import pandas as pd

from protv2g.commands.hosting import _line
from protv2g.gate_hosting import hosting_limit_per_site, limit_words


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "site": "homes", "participation": "firm", "load_level": "light", "hosting_kw": 54.0,
        "hosting_chargers": 7, "limited": True, "limiting_criterion": "C12",
        "limiting_device": "", "limiting_fault": "at lat1", "site_max_kw": 57.6,
        "max_online_chargers": None}
    return {**base, **kw}


def test_hosting_line_names_the_bus_when_no_device_limits() -> None:
    """Review s22: ``protv2g hosting`` printed "limited by C12 (, at lat1)"."""
    line = _line(_row())
    assert "limited by C12 (at lat1)" in line
    assert "(," not in line and ", )" not in line


def test_hosting_line_with_device_and_fault_unchanged() -> None:
    line = _line(_row(limiting_criterion="C5", limiting_device="a",
                      limiting_fault="SLG-b at b2 (min)"))
    assert line.endswith("limited by C5 (a, SLG-b at b2 (min))")


def test_limit_words_without_device_or_fault_says_the_criterion_in_words() -> None:
    assert limit_words(_row(limiting_fault=None)) == "C12 (voltage, loading and reverse flow)"
    assert limit_words(_row(limiting_criterion="", limiting_fault="")) == "a criterion"


def test_gate_hosting_text_has_no_empty_slot() -> None:
    table = pd.DataFrame([_row()])
    text = hosting_limit_per_site(table)["homes"]
    assert text.startswith("limited by C12 (at lat1), firm/light")


def test_melting_band_label_follows_the_curve_provenance() -> None:
    """Review s22: devices/tcc.py called every band "published melting ranges"; the library's
    K links are recalled EEI-NEMA ranges, not verified against C37.43."""
    from dataclasses import replace

    from protv2g.devices.library import default_library
    from protv2g.devices.models import Fuse
    from protv2g.devices.tcc import device_traces, melting_ranges_label

    k40 = default_library().get("40K")
    labels = [t.label for t in device_traces(Fuse(name="f1", link="40K"))]
    band = [x for x in labels if "melting ranges" in x]
    assert band and "published" not in band[0] and "not verified" in band[0]
    assert melting_ranges_label(replace(k40, source="")) == "melting ranges (source not stated)"
    assert "model" in melting_ranges_label(replace(k40, source="x.dss (OpenDSS TCC_Curve)"))
    assert melting_ranges_label(replace(k40, source="S&C published TCC 153-1")) == \
        "published melting ranges"
