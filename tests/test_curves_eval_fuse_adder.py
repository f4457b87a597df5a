"""``curves eval <fuse> --adder-s`` applies the adder as the study applies a fuse's
``time_adder_s`` — to its total clearing (review rev48b P8: 0.0486847 s with and without
``--adder-s 0.05``) — and refuses it with a melting curve, which the study never delays."""

from __future__ import annotations

import json

from protv2g.cli import main


def _times(capsys, *extra: str) -> list[float]:
    assert main(["curves", "eval", "65K", "--multiples", "26.63", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_adder_delays_total_clearing_as_the_study_does(capsys):
    (tc,) = _times(capsys)
    (late,) = _times(capsys, "--adder-s", "0.05")
    # the shared case device-delay-import: f2 (65K, time_adder_s 0.05) clears 1730.9 A
    # (26.63 × 65 A) in 0.098686 s in the study, 65K TC + 0.05 s
    assert abs(late - tc - 0.05) < 1e-12
    assert abs(late - 0.098686) < 5e-6


def test_adder_with_a_melting_curve_is_refused(capsys):
    code = main(["curves", "eval", "65K", "--multiples", "26.63", "--min-melt",
                 "--adder-s", "0.05"])
    assert code == 2
    assert "total clearing only" in capsys.readouterr().err
