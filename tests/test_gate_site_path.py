"""A V2G site whose only device upstream is its own transformer's fuse is behind no feeder
device (session 42, gate41's "noticed, left alone": the W1 rule counted any study device on the
path, so the feeder head could still be missing).

The feeder is the shared case's ``master_nogen.dss`` (radial sub–l1–b1–l2–b2–l3–b3) with the
depot's own 1 MVA 12.47/0.48 kV transformer ``depot_xf`` from b2 to ``depot_lv``, the site on
``depot_lv`` (``model_transformer: depot_xf``) and its high-voltage fuse F-DEPOT. By the
masters' own text (not by protv2g) the substation's path to ``depot_lv`` is l1, l2, depot_xf:
with F3 on l3 (beyond b2) the only device on it is F-DEPOT, the project's equipment; with R1
on l1 the feeder head is on it.
"""

from __future__ import annotations

from protv2g.gate import gate_verdict

from .test_gate_coverage import FUSE, NOGEN, RELAY, _clean_result, _errors, _study

XF = ("New Transformer.depot_xf phases=3 windings=2 buses=[b2 depot_lv] conns=[delta wye] "
      "kVs=[12.47 0.48] kVAs=[1000 1000] XHL=5.75 %R=0.5")
OWN_FUSE = ("  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 65K, "
            "interrupting_rating_ka: 10}\n")
SITE = ("{name: depot, bus: depot_lv, model_transformer: depot_xf, n_chargers: 4, "
        "p_charger_kw: 50, cease_to_energize_s: 1.0}")


def test_only_the_sites_own_fuse_upstream_is_an_error(tmp_path):
    """Old code: no path error (F-DEPOT counted as the device between the site and the
    source), PASS on a clean result."""
    study = _study(tmp_path, NOGEN, OWN_FUSE + FUSE, extra_dss=XF, site=SITE)
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "ERROR"
    errors = _errors(verdict)
    assert len(errors) == 1, errors
    assert "V2G site depot (bus depot_lv) has no feeder device between it and the source" \
        in errors[0]
    assert "its own transformer's F-DEPOT" in errors[0]
    assert "fix: add the feeder-head device" in errors[0]
    assert verdict["unjudged"]["C5"].startswith("not evaluated: V2G site depot (depot_lv) "
                                                "behind no feeder device")
    from protv2g.gate_coverage import site_gaps

    gaps = site_gaps(study)
    assert [(g.site, g.bus, g.own) for g in gaps] == [("depot", "depot_lv", ("F-DEPOT",))]


def test_a_feeder_head_device_beside_the_own_fuse_covers_the_site(tmp_path):
    """The head relay R1 on l1 on the path: no path error, PASS on a clean result."""
    from protv2g.gate_coverage import site_gaps

    study = _study(tmp_path, NOGEN, RELAY + OWN_FUSE, extra_dss=XF, site=SITE)
    assert site_gaps(study) == []
    verdict = gate_verdict(study, _clean_result())
    assert not any("feeder device" in e or "no modelled device" in e
                   for e in _errors(verdict)), verdict["reasons"]
    assert verdict["unjudged"] == {}


def test_line_fuses_alone_on_the_path_are_no_feeder_head(tmp_path):
    """Review rev42a W1 (EPRI ckt5 with its head relay deleted, every site behind a lateral
    fuse): FAIL, not ERROR — a line fuse clears the faults beyond it; the feeder head's breaker,
    whose reach, load pickup, direction and reclosing the export changes, is not modelled.
    A line fuse F2 on l2 (on the path, not the site's own) and F-DEPOT: an error naming F2;
    the old code counted F2 as cover (no error, PASS on a clean result)."""
    from protv2g.gate_coverage import site_gaps

    line_fuse = FUSE.replace("F3", "F2").replace("l3", "l2")
    study = _study(tmp_path, NOGEN, line_fuse + OWN_FUSE, extra_dss=XF, site=SITE)
    gaps = site_gaps(study)
    assert [(g.site, g.own, g.fuses) for g in gaps] == [("depot", ("F-DEPOT",), ("F2",))]
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "ERROR"
    errors = _errors(verdict)
    assert len(errors) == 1, errors
    assert ("V2G site depot (bus depot_lv) has no relay, recloser or breaker between it and "
            "the source — only the line fuse F2 on the substation's path") in errors[0]
    assert "fix: add the feeder-head device" in errors[0]
    assert "behind no feeder-head device" in verdict["unjudged"]["C5"]


def test_the_gate_walks_the_device_chains_once(tmp_path, monkeypatch):
    """The gate's error line and its ``unjudged`` dict read one walk of the chains (they were
    two: ``path_gaps`` and ``unjudged_criteria`` each called ``device_chains``)."""
    import protv2g.gate_coverage as coverage

    study = _study(tmp_path, NOGEN, FUSE)
    calls = []
    walk = coverage.device_chains

    def counted(*args, **kwargs):
        calls.append(1)
        return walk(*args, **kwargs)

    monkeypatch.setattr(coverage, "device_chains", counted)
    verdict = gate_verdict(study, _clean_result())
    assert len(calls) == 1
    assert verdict["verdict"] == "ERROR" and set(verdict["unjudged"]) >= {"C1", "C5", "C11"}
