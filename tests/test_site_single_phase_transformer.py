"""A single-phase V2G site behind its own interconnection transformer (pandapower feeders): a
site on one phase is line to neutral (the fault engine's single-phase inverter, the
three-phase flow's ``asymmetric_sgen``), so the transformer's low-voltage winding must give it
a neutral — a grounded wye (``Dyn``, ``YNyn``, ``Yyn``); behind a delta or ungrounded-wye
winding (a 3-wire bus) the study is refused. Physics: IEEE Std 142-2007 §1.2 (an ungrounded
system has no neutral to ground); ANSI C84.1-2020 (3-wire systems are line to line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from protv2g.errors import InputError
from protv2g.study.loader import load_study

ROOT = Path(__file__).resolve().parents[1]


def _study(tmp_path: Path, site: str) -> Path:
    src = ROOT / "feeders" / "weak_end_of_line"
    (tmp_path / "feeder.json").write_text((src / "feeder.json").read_text())
    text = (src / "study.yaml").read_text()
    old = "n_chargers: 12, p_charger_kw: 60, limit_pu: 1.2,"
    assert old in text
    path = tmp_path / "study.yaml"
    path.write_text(text.replace(old, old + " " + site + ","))
    return path


@pytest.mark.parametrize("connection", ["YNd", "Yd", "Dd", "Yy", "YNy", "Dy"])
def test_a_single_phase_site_behind_an_ungrounded_winding_is_refused(tmp_path, connection
                                                                     ) -> None:
    path = _study(tmp_path, "phases: 1, phase: a, interconnection_transformer: "
                            f"{{sn_kva: 1000, connection: {connection}}}")
    with pytest.raises(InputError, match="line to neutral") as err:
        load_study(path)
    assert "v2g_sites[0].phases" in str(err.value) and connection in str(err.value)


@pytest.mark.parametrize("site", [
    "phases: 1, phase: a, interconnection_transformer: {sn_kva: 1000, connection: Dyn}",
    "phases: 1, phase: a, interconnection_transformer: {sn_kva: 1000, connection: YNyn}",
    "interconnection_transformer: {sn_kva: 1000, connection: YNd}",  # three-phase: 3-wire
])
def test_a_grounded_wye_winding_or_a_three_phase_site_is_accepted(tmp_path, site) -> None:
    load_study(_study(tmp_path, site))
