"""C12's voltage limits on a 50 Hz feeder: protv2g's defaults are North American.

``checks.v_min_pu`` / ``checks.v_max_pu`` default to ANSI C84.1-2020 Table 1 Range A
(0.95–1.05 pu of the service voltage), a North American standard. On a 50 Hz feeder a
public distribution network is usually held to EN 50160:2010 §4.2.2 / §5.2.2 (Un ± 10 %,
95 % of a week's 10-min means) or the DSO's own planning limits, often tighter. ``protv2g
init`` drafts a TODO on the limit for a 50 Hz OpenDSS model
(:func:`protv2g.study_draft.low_voltage.voltage_limit_todo`); a study written by hand — a
pandapower net above all — had none, so its C12 rows were judged on ANSI unwarned and
"rested on given data" (review rev51 #4: a 20/0.4 kV net failing the gate on 0.907 pu, which
EN 50160 passes). Here:

* :func:`ansi_defaults_off_standard` — the limits the study leaves at protv2g's ANSI default
  on a 50 Hz feeder (neither given nor drafted): the C12 rows whose ``limit`` they are rest
  on a tool default (:attr:`protv2g.input_stand_ins.InputBases.default_checks`), so the
  report names them among the inputs to confirm, with the value at which the row passes;
* :func:`voltage_standard_issues` — one Feeder warnings row saying so, with the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protv2g.errors import Issue

__all__ = ["ANSI_RANGE_A_PU", "EN50160_PU", "ansi_defaults_off_standard",
           "voltage_standard_issues", "feeder_voltage_standard_issues", "is_50_hz"]

#: ANSI C84.1-2020 Table 1 Range A, service voltage: 114–126 V on 120 V, and Annex D's 3 %
#: voltage unbalance (protv2g's defaults of ``checks.v_min_pu`` / ``v_max_pu`` /
#: ``unbalance_max_percent``, :class:`protv2g.study.schema.Checks`).
ANSI_RANGE_A_PU = {"v_min_pu": 0.95, "v_max_pu": 1.05, "unbalance_max_percent": 3.0}
#: EN 50160:2010 §4.2.2 (LV) / §5.2.2 (MV): Un ± 10 % for 95 % of a week's 10-min means;
#: §4.2.5: the negative-sequence voltage within 2 % of the positive (95 % of 10-min means).
EN50160_PU = {"v_min_pu": 0.90, "v_max_pu": 1.10, "unbalance_max_percent": 2.0}


def is_50_hz(f_hz: float) -> bool:
    """Whether a feeder's frequency is 50 Hz (within 0.5 Hz).

    >>> is_50_hz(50.0), is_50_hz(60.0)
    (True, False)
    """
    return abs(float(f_hz) - 50.0) <= 0.5


def ansi_defaults_off_standard(checks: Any, f_hz: float, todo_fields: Iterable[str] = ()
                               ) -> dict[str, float]:
    """The C12 voltage limits ``checks`` leaves at protv2g's ANSI default on a 50 Hz feeder.

    Parameters
    ----------
    checks : ChecksConfig or None
        The study's ``checks`` (``model_fields_set`` says which it gives).
    f_hz : float
        The feeder's frequency, Hz.
    todo_fields : iterable of str
        The study file's TODO field paths: a drafted limit rests on its TODO already.

    Returns
    -------
    dict
        ``checks`` field name (``v_min_pu`` / ``v_max_pu``) → its value (pu), for each limit
        neither given nor drafted; empty at 60 Hz or without ``checks``.

    >>> from types import SimpleNamespace as D
    >>> c = D(v_min_pu=0.95, v_max_pu=1.05, unbalance_max_percent=3.0,
    ...       model_fields_set={"v_max_pu", "unbalance_max_percent"})
    >>> ansi_defaults_off_standard(c, 50.0), ansi_defaults_off_standard(c, 60.0)
    ({'v_min_pu': 0.95}, {})
    """
    if checks is None or not is_50_hz(f_hz):
        return {}
    given = set(getattr(checks, "model_fields_set", ()) or ())
    drafted = {str(f).split(" ")[0] for f in todo_fields}
    return {name: float(getattr(checks, name)) for name in ANSI_RANGE_A_PU
            if name not in given and f"checks.{name}" not in drafted}


def voltage_standard_issues(file: str, checks: Any, f_hz: float,
                            todo_fields: Iterable[str] = ()) -> list[Issue]:
    """One issue (a Feeder warnings row) when C12 judges a 50 Hz feeder on the ANSI defaults
    (:func:`ansi_defaults_off_standard`); none otherwise.

    >>> from types import SimpleNamespace as D
    >>> c = D(v_min_pu=0.95, v_max_pu=1.05, unbalance_max_percent=3.0,
    ...       model_fields_set=set())
    >>> [i.field for i in voltage_standard_issues("s.yaml", c, 50.0)]
    ['checks.v_min_pu, checks.v_max_pu, checks.unbalance_max_percent']
    """
    left = ansi_defaults_off_standard(checks, f_hz, todo_fields)
    if not left:
        return []
    unit = {"unbalance_max_percent": "%"}
    limits = ", ".join(f"{k} {v:g} {unit.get(k, 'pu')}" for k, v in left.items())
    en = " / ".join(f"{k} {EN50160_PU[k]:g}" for k in left)
    return [Issue(
        file, ", ".join(f"checks.{k}" for k in left),
        f"C12 judges this 50 Hz feeder's voltages on protv2g's default {limits} — ANSI "
        "C84.1-2020 (Range A; Annex D's 3 % unbalance), North American service-voltage "
        "ranges; a 50 Hz public network is usually held to EN 50160 (Un ± 10 %, 2 % "
        "unbalance) or the DSO's planning limits, often tighter. C12's voltage rows, and the "
        "hosting figures they limit, rest on this default (the report names it among the "
        "inputs to confirm)",
        f"set the DSO's limits in the study file's checks (EN 50160: {en}), or the ANSI "
        "values themselves to keep them, and run the same command again")]


def feeder_voltage_standard_issues(path: Any, document: Any, feeder: Any) -> list[Issue]:
    """:func:`voltage_standard_issues` of a study file (``path``, its TODO items read from
    it), its ``document`` and its feeder (an OpenDSS model or a pandapower net or its tables:
    ``f_hz``, 60 Hz when it has none): the Feeder warnings row ``run`` writes and the
    warning ``validate`` prints."""
    from protv2g.study.todos import todo_items

    f_hz = float(getattr(feeder, "f_hz", 60.0) or 60.0)
    todo = [i.field for i in todo_items(path)] if path and is_50_hz(f_hz) else []
    return voltage_standard_issues(str(path), getattr(document, "checks", None), f_hz, todo)
