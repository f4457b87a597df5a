"""The source plausibility check (review s23 §1: IEEE 123's ideal source, X1 = 0.0001 Ω,
accepted silently — 19,626 kA at 150r and a 21,907 kA breaker duty quoted without question).

Expected values by hand: a source R1 = 0, X1 = 0.0001 Ω at 4.16 kV gives
4160 / (√3 × 0.0001) = 24,017,771 A three-phase and X/R ∞; EPRI DG_Prot_Fdr's
``MVAsc3=36.61 x1r1=4`` at 34.5 kV gives 36.61 / (√3 × 34.5) = 0.6127 kA, X/R 4.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.study.source_check import (
    I_SC_MAX_KA,
    X_R_MAX,
    _levels,
    implausible_sources,
    net_source_levels,
    source_reasons,
)


def _row(kv: float, z1: complex, z0: complex) -> SimpleNamespace:
    return SimpleNamespace(**_levels("vsource.source", "b", kv, z1, z0))


def test_an_ideal_source_is_implausible_on_both_counts():
    r = _row(4.16, 0.0001j, 0.0001j)
    assert math.isclose(r.i3_ka, 4160 / (math.sqrt(3) * 0.0001) / 1e3, rel_tol=1e-9)
    assert math.isclose(r.i3_ka, 24017.77, rel_tol=1e-6) and math.isinf(r.x_r)
    why = source_reasons(r)
    assert len(why) == 2
    assert "24,018 kA" in why[0] and f"{I_SC_MAX_KA:g} kA" in why[0]
    assert "∞ (R1 = 0)" in why[1] and f"{X_R_MAX:g}" in why[1]


def test_a_utility_source_passes():
    # DG_Prot_Fdr's circuit as OpenDSS holds it: R1 7.885, X1 31.54, R0 85.61, X0 256.8 Ω
    r = _row(34.5, complex(7.88522, 31.54089), complex(85.61173, 256.83519))
    assert math.isclose(r.i3_ka, 0.61266, rel_tol=1e-4) and math.isclose(r.x_r, 4.0, rel_tol=1e-5)
    assert source_reasons(r) == []


def test_a_resistive_source_and_a_63_ka_bus_are_told_apart():
    assert "swapped" in source_reasons(_row(12.47, complex(2.0, 0.5), complex(2.0, 1.5)))[0]
    # 12.47 kV / (√3 × 0.1 Ω) = 72.0 kA three-phase at X/R 10: too large, X/R fine
    why = source_reasons(_row(12.47, 0.1 * complex(1, 10) / abs(complex(1, 10)),
                              complex(0.05, 0.3)))
    assert len(why) == 1 and "72 kA" in why[0]


def test_a_pandapower_external_grid_is_read_from_its_short_circuit_data():
    net = SimpleNamespace(
        bus=pd.DataFrame({"vn_kv": [12.47], "name": ["sub"]}),
        ext_grid=pd.DataFrame({"bus": [0], "in_service": [True], "name": ["grid"],
                               "s_sc_max_mva": [1e6], "rx_max": [0.0], "x0x_max": [1.0],
                               "r0x0_max": [0.0]}))
    levels = net_source_levels(net)
    assert math.isclose(levels.i3_ka.iat[0], 1e6 / (math.sqrt(3) * 12.47), rel_tol=1e-9)
    text = implausible_sources(levels)
    assert len(text) == 1 and text[0].startswith("source grid at bus sub (12.47 kV)")
    net.ext_grid.loc[0, ["s_sc_max_mva", "rx_max"]] = [200.0, 0.1]
    assert implausible_sources(net_source_levels(net)) == []


def test_a_stiff_transmission_source_behind_a_substation_transformer_is_not_judged():
    # IEEE 37: basekv=230 MVAsc3=200000 → 502 kA, but the 2.5 MVA substation transformer
    # limits the feeder's faults: not flagged
    z1 = 230.0**2 / 200000.0 * complex(1, 4) / abs(complex(1, 4))
    levels = pd.DataFrame([_levels("vsource.source", "sourcebus", 230.0, z1, z1)])
    assert levels.i3_ka.iat[0] > 500 and source_reasons(levels.iloc[0]) != []
    assert implausible_sources(levels) == []


# --- on IEEE 123 (../shared) ------------------------------------------------------------------

STUDY = """name: ieee123
feeder:
  opendss: IEEE123Master.dss
{redirects}"""


@pytest.fixture(scope="module")
def ieee123(shared_dir: Path, tmp_path_factory) -> Path:
    pytest.importorskip("opendssdirect")
    src = shared_dir / "feeders" / "opendss" / "123Bus"
    if not (src / "IEEE123Master.dss").is_file():
        pytest.skip(f"IEEE 123 model {src} not found")
    out = tmp_path_factory.mktemp("s123") / "123"
    shutil.copytree(src, out)
    shutil.copy(src.parent / "IEEELineCodes.DSS", out.parent)  # a script redirects to ../
    return out


def test_validate_warns_of_ieee123s_ideal_source_and_a_redirect_fixes_it(ieee123):
    from protv2g.study import validate_study_warnings

    (ieee123 / "a.yaml").write_text(STUDY.format(redirects=""))
    problems, warnings = validate_study_warnings(ieee123 / "a.yaml")
    assert problems == []
    src = [w for w in warnings if w.field.startswith("feeder.opendss (vsource.source)")]
    assert len(src) == 1
    assert "24,018 kA" in src[0].message and "X/R ∞" in src[0].message
    assert "feeder.redirects" in src[0].fix and "Edit Vsource.source MVAsc3=" in src[0].fix
    # the fix as the warning gives it: 60 MVA at X/R 10 → 8.33 kA, no warning
    (ieee123 / "source.dss").write_text(
        "Edit Vsource.source MVAsc3=60 MVAsc1=60 X1R1=10 X0R0=10\n")
    (ieee123 / "b.yaml").write_text(STUDY.format(redirects="  redirects: [source.dss]\n"))
    problems, warnings = validate_study_warnings(ieee123 / "b.yaml")
    assert problems == [] and not [w for w in warnings if "vsource.source" in w.field]


def test_init_drafts_a_source_todo_and_says_the_ratings_rest_on_it(ieee123):
    from protv2g.study.todos import todo_items
    from protv2g.study_draft import draft_study

    draft = draft_study(ieee123 / "IEEE123Master.dss")
    assert len(draft.source_issues) == 1 and "24,018 kA" in draft.source_issues[0]
    path = ieee123 / "draft.yaml"
    path.write_text(draft.text)
    items = todo_items(path)
    src = [i for i in items if i.field.startswith("feeder.opendss")
           and "vsource.source" in i.message]
    assert len(src) == 1 and "Edit Vsource.source" in src[0].fix
    rating = [i for i in items if i.field.startswith("devices[0].interrupting_rating_ka")]
    assert len(rating) == 1 and "not a plausible utility source" in rating[0].message


def test_validate_lists_the_drafted_source_once_as_the_warning(ieee123, capsys):
    """Review s23 (tidy23): ``protv2g validate`` on the IEEE 123 draft listed the ideal source
    twice, as the warning and as init's TODO on feeder.opendss; the warning is kept (figures
    of the model as it stands, the fix), the other TODOs are still listed."""
    from protv2g.cli import main
    from protv2g.study.todos import todo_items
    from protv2g.study_draft import draft_study

    path = ieee123 / "draft_validate.yaml"
    path.write_text(draft_study(ieee123 / "IEEE123Master.dss").text)
    n_todo = len(todo_items(path))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("source vsource.source at bus 150") == 1
    warning = out.split("warning(s)", 1)[1].split("value(s) to confirm", 1)[0]
    assert "source vsource.source at bus 150" in warning and "24,018 kA" in warning
    assert "Edit Vsource.source MVAsc3=" in warning
    assert f"{n_todo - 1} value(s) to confirm" in out
    assert "devices[0].interrupting_rating_ka" in out  # the rest still listed
