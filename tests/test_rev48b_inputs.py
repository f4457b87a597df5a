"""Input messages of review rev48b: P5 (a bus one character off), P6 (a fuse without a
link), P7 (``phase: a`` on a three-phase site), P10 (``init --site`` with MW for kW)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from protv2g.study.issues import issues_from_validation_error
from protv2g.study.opendss_feeder import _near
from protv2g.study.schema import StudyDocument
from protv2g.study.schema_sites import V2GSite
from protv2g.study_draft import parse_site
from protv2g.study_draft.site_arg import site_kw_slip

#: IEEE 34's buses (../shared/feeders/opendss/34Bus/ieee34Mod1.dss)
IEEE34 = ["sourcebus", "800", "802", "806", "808", "810", "812", "814", "850", "816", "818",
          "820", "822", "824", "826", "828", "830", "854", "856", "852", "832", "888", "890",
          "858", "864", "834", "842", "844", "846", "848", "860", "836", "840", "862", "838",
          "814r", "852r"]


def test_bus_one_character_off_lists_every_such_name_first():
    # '84O' (letter O): 840 is the look-alike (O for 0); 842–848 one digit off; the old list
    # was "864, 854, 848, 846, 844", without 840
    assert _near("84O", IEEE34) == " (e.g. 840, 842, 844, 846, 848)"
    # a name with more neighbours than are listed says how many more
    many = [f"b{k}" for k in range(1, 40)]
    text = _near("b0", many)
    assert text.startswith(" (e.g. b1, b10,") and "and 2 more one character away" in text


def test_fuse_without_link_gets_an_example_and_the_list_command():
    raw = {"name": "s", "feeder": {"opendss": "m.dss"},
           "devices": [{"name": "F-L8", "kind": "fuse", "location": {"line": "l8"}}]}
    with pytest.raises(ValidationError) as err:
        StudyDocument.model_validate(raw)
    fixes = {i.field: i.fix for i in issues_from_validation_error(err.value, "s.yaml")}
    fix = next(f for k, f in fixes.items() if k.endswith(".link"))
    assert "link: 15K" in fix and "protv2g curves list --kind fuse" in fix


def test_phase_on_a_three_phase_site_is_refused():
    with pytest.raises(ValidationError) as err:
        V2GSite(name="d", bus="840", n_chargers=4, p_charger_kw=150, phase="a")
    assert "phase 'a' names the conductor of a single-phase site, but phases is 3" in str(
        err.value)
    assert "give 'phases: 1' with 'phase: a'" in str(err.value)
    site = V2GSite(name="d", bus="840", n_chargers=4, p_charger_kw=7.2, phases=1, phase="a")
    assert site.conductors == "a"
    assert V2GSite(name="d", bus="840", n_chargers=4, p_charger_kw=150).conductors == "abc"


@pytest.mark.parametrize(("arg", "said"), [
    ("depot:840:4:0.15", "give --site depot:840:4:150"),
    ("homes:822.a:12:7200", "give --site homes:822.a:12:7.2"),
])
def test_init_site_kw_slip_is_said_at_once(arg, said):
    text = site_kw_slip(arg, parse_site(arg))
    assert said in text and f"--site {arg}:" in text
    assert site_kw_slip("depot:840:4:150", parse_site("depot:840:4:150")) == ""
