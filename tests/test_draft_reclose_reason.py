"""Why a drafted head relay's first reclose is what it is (review rev47a #7, rev46a #5: the
IEEE 8500's 0.5 s without ``init --site``).

A model with no DER of its own and no ``--site`` gets an "instantaneous" first reclose of
0.5 s (today's feeder, :data:`protv2g.study_draft.head_relay.RECLOSE_INTERVALS_S`: 0.3–0.5 s in
C. A. Gross and a vendor's sequence); a model with DER (the project's example, a 500 kVA PV
at b3) gets 3.5 s (the DER's 2 s cease-to-energise, IEEE 1547-2018 §8.1, plus the top of C10's
margin bracket, 1.0 s — its default margin is 0.5 s —, and the next 0.5 s step above the 3.0 s:
review rev49a #7b), as does one drafted with ``--site``. The drafted line's TODO
now says which and why (IEEE 13: no DER, no device; with a depot at 675).
"""

from __future__ import annotations

import pytest

from protv2g.study_draft import draft_study, parse_site

pytest.importorskip("opendssdirect")


def _reclose_line(text: str) -> str:
    return next(ln for ln in text.splitlines() if ln.strip().startswith("reclose_intervals_s"))


def test_first_reclose_without_der_says_why(shared_dir):
    d = draft_study(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    line = _reclose_line(d.text)
    assert "[0.5, 15" in line
    assert ("0.5 s drafted: the model has no DER of its own and no V2G site was given "
            "(init --site), so the first reclose is today's feeder's instantaneous one") in line
    assert "reports the delay they need (3.5 s as drafted with DER) as their effect" in line


def test_first_reclose_with_sites_says_why(shared_dir):
    d = draft_study(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss",
                    sites=[parse_site("depot:675:20:100")])
    line = _reclose_line(d.text)
    assert "[3.5, 15" in line
    # rev49a #7b: C10's margin is 0.5 s by default (checks.reclose_margin_s); 1.0 s is the
    # top of its 0.2–1.0 s bracket (protv2g.checks.rule_values.RECLOSE_MARGIN_BRACKET_S), and
    # 2 + 1.0 = 3.0 s; C10 needs the first reclose longer than the sum: the next 0.5 s step
    assert ("3.5 s drafted: the DER's 2 s cease-to-energise plus the top of C10's margin "
            "bracket (0.2–1 s; C10 judges with checks.reclose_margin_s, 0.5 s unless the "
            "study sets it), 3 s, and the next 0.5 s step above it, 3.5 s (C10 needs the "
            "first reclose longer than the sum)") in line
    assert "C10's 1 s margin" not in line
