"""A bus without a voltage base is said by ``validate``, not first by ``run`` (review rev31b
F1: a site transformer in a redirect without ``CalcVoltageBases`` — ``validate`` said "valid",
``run`` stopped with exit 2 naming the master and listing ``depot_lv`` once per phase).

Reference: OpenDSS itself (``Bus.kVBase`` is 0 for a bus made after ``CalcVoltageBases``).
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

from protv2g.study.loader import validate_study  # noqa: E402
from tests.test_dss_site_transformer import MASTER, STUDY, XF  # noqa: E402


def _write(folder, xf: str, extra: str = "") -> str:
    (folder / "Master.dss").write_text(MASTER)
    (folder / "depot_xf.dss").write_text(xf)
    path = folder / "study.yaml"
    path.write_text(STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf")
                    + extra)
    return str(path)


def test_validate_names_the_redirect_and_each_bus_once(tmp_path):
    no_calc = XF.replace("Set VoltageBases=(115, 12.47, 0.48)\nCalcVoltageBases\n", "")
    issues = validate_study(_write(tmp_path, no_calc))
    (issue,) = [i for i in issues if "voltage base" in i.message]
    assert issue.field == "feeder.redirects"
    assert issue.message == "bus(es) without a voltage base: depot_lv"
    assert "end the redirect that adds them (depot_xf.dss)" in issue.fix
    assert "CalcVoltageBases" in issue.fix


def test_with_the_bases_or_the_classical_method_it_is_valid(tmp_path):
    assert not [i for i in validate_study(_write(tmp_path, XF)) if "voltage base" in i.message]
    no_calc = XF.replace("Set VoltageBases=(115, 12.47, 0.48)\nCalcVoltageBases\n", "")
    path = tmp_path / "study.yaml"
    assert validate_study(_write(tmp_path, no_calc))  # IEC 60909 (the default) needs it
    path.write_text(path.read_text().replace("faults: {r_fault_min_ohm: 20}",
                                             "faults: {r_fault_min_ohm: 20, method: classical}"))
    assert not [i for i in validate_study(str(path)) if "voltage base" in i.message]


def test_init_with_a_site_says_the_missing_base_not_a_nan(tmp_path):
    """``init --site`` on a redirect whose transformer has no voltage base stops with the
    same issue as ``validate`` (review rev37b F1: IEEE 34, ``ValueError: cannot convert float
    NaN to integer`` in the head relay's pickup, exit 1)."""
    from protv2g.errors import InputError
    from protv2g.study_draft.draft import draft_study, parse_site

    no_calc = XF.replace("Set VoltageBases=(115, 12.47, 0.48)\nCalcVoltageBases\n", "")
    _write(tmp_path, no_calc)
    with pytest.raises(InputError) as err:
        draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "depot_xf.dss"],
                    sites=[parse_site("depot:depot_lv:4:60")])
    (issue,) = err.value.issues
    assert issue.field == "voltagebases"
    assert issue.message == "bus(es) without a voltage base: depot_lv"
    assert "end the redirect that adds them (depot_xf.dss)" in issue.fix
    # init has no study and no --method: only the model's own fix is offered (review ver37 §1)
    assert "faults.method" not in issue.fix and "--method" not in issue.fix
    assert "run the same init command again" in issue.fix
