"""A PASS on a study resting on ``protv2g init``'s drafts says so (review ver43 M-b).

By the gate's policy (:mod:`protv2g.gate`) a failing row on a drafted value (``# TODO``) is a
``fail:`` naming the input, a pre-existing one a ``confirm:``; a *passing* row on one wrote
nothing, and EPRI J1 as drafted printed a bare "PASS j1" with 29 drafted values behind it
(the head relay, the mid-line recloser, the site data, the fault resistance, the load
levels) and its decisive C5 row passing by 0.0011–0.005 × pickup on the drafted 51P. Neither
the gate's docstring nor docs/ makes a drafted input an ERROR or a FAIL, so the verdict and
its exit code stand (PASS, 0); the verdict line and the JSON say that it is the draft's:
``PASS (on drafted inputs: N unconfirmed — confirm them before signing; the passes of … rest
on …)`` — N the study file's TODO values (``result.meta["unconfirmed"]``, what ``protv2g
validate`` lists) and the drafted inputs the gated criteria that passed read
(``result.meta["criterion_inputs"]``, :mod:`protv2g.criteria_basis`), then, of each of those
criteria where the result keeps its passing rows, the one passing by the least — its device,
margin and fault (review draft43: J1's head 51P passing C5 by 0.0011 × pickup at b18911):
C5's from the check (``result.meta["closest_passing"]``, :mod:`protv2g.checks.reach_closest`),
C1–C4's from the Coordination table (its ``ok`` rows' ``margin_s``). The other criteria's
passing rows are not kept (no such row is named for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import order
from protv2g.input_basis import InputBasis

__all__ = ["closest_passing", "drafted_pass", "MAX_NAMED"]

#: The criteria whose passing rows the Coordination table holds (a pair's interval).
PAIR_TABLE_CRITERIA = ("C1", "C2", "C3", "C4")

#: At most this many drafted inputs are named on the verdict line (the JSON has them all).
MAX_NAMED = 3


def closest_passing(meta: Any, coordination: pd.DataFrame | None) -> dict[str, dict]:
    """Criterion → its passing row nearest the limit (module docstring): ``device``,
    ``margin``, ``margin_unit``, ``limit``, ``fault``, ``scenario`` (and C5's ``zone``).

    >>> coord = pd.DataFrame({"criterion": "C4", "status": ["ok", "ok", "fail"],
    ...     "primary": "R1", "backup": "H", "margin_s": [0.41, 0.2, -0.1],
    ...     "required_s": 0.12, "fault_type": "LL-ab", "fault_bus": ["b3", "b4", "b5"],
    ...     "case": "max", "scenario": "base/peak"})
    >>> closest_passing({}, coord)["C4"]["device"], closest_passing({}, coord)["C4"]["fault"]
    ('H over R1', 'LL-ab b4 max')
    """
    out = dict((meta.get("closest_passing") or {}) if isinstance(meta, dict) else {})
    need = {"criterion", "status", "primary", "backup", "margin_s", "fault_type",
            "fault_bus", "case", "scenario"}
    if coordination is None or not len(coordination) or not need <= set(coordination.columns):
        return out
    crit = coordination["criterion"].astype(str).to_numpy()
    ok = coordination["status"].astype(str).to_numpy() == "ok"
    margin = pd.to_numeric(coordination["margin_s"], errors="coerce").to_numpy(float)
    for c in PAIR_TABLE_CRITERIA:
        at = np.flatnonzero((crit == c) & ok & np.isfinite(margin))
        if not len(at):
            continue
        k = int(at[np.argmin(margin[at])])
        row = {n: coordination[n].to_numpy(object)[k] for n in need - {"criterion"}}
        out[c] = {"device": f"{row['backup']} over {row['primary']}",
                  "margin": float(margin[k]), "margin_unit": "s",
                  "fault": f"{row['fault_type']} {row['fault_bus']} {row['case']}",
                  "scenario": str(row["scenario"])}
    return out


def _closest_text(c: str, r: dict) -> str:
    """One criterion's closest passing row in words."""
    limit = f" over {r['limit']:g} ×" if "limit" in r else ""
    zone = f", {r['zone']} zone" if r.get("zone") else ""
    unit = " × pickup" if r["margin_unit"] == "× pickup" else f" {r['margin_unit']}"
    return (f"{c} {r['device']} {r['margin']:+.4g}{unit}{limit} ({r['fault']}, "
            f"{r['scenario']}{zone})")


def drafted_pass(verdict: str, meta: Any, criteria: Iterable[str],
                 closest: dict[str, dict] | None = None) -> dict[str, Any]:
    """``drafted_inputs`` (None, or ``{"n_unconfirmed": N, "passes_rest_on": {criterion:
    [input, …]}}``) and ``verdict_note`` ("" or the words of the module docstring) of a
    verdict; only a PASS with TODO values in its study gets them.

    Parameters
    ----------
    verdict : str
        "PASS", "FAIL" or "ERROR".
    meta : dict
        ``StudyResult.meta`` (``unconfirmed``: the study's TODO items; ``criterion_inputs``:
        criterion → ``{"basis", "inputs", "n_inputs"}``).
    criteria : iterable of str
        The gated criteria (``gate.criteria``).
    closest : dict, optional
        :func:`closest_passing`: of the criteria resting on drafted inputs, the row passing
        by the least is named with its margin (``drafted_inputs["closest_passing"]``).

    Examples
    --------
    >>> meta = {"unconfirmed": ["devices[0].pickup_a: drafted"] * 3, "criterion_inputs": {
    ...     "C5": {"basis": "todo", "inputs": ["head's pickup_a (drafted: TODO)"]},
    ...     "C7": {"basis": "todo", "inputs": ["head's pickup_a (drafted: TODO)", "R1's rating"]},
    ...     "C12": {"basis": "default", "inputs": ["line l1's normamps (tool default)"]}}}
    >>> out = drafted_pass("PASS", meta, ["C5", "C7", "C12"])
    >>> out["verdict_note"][:70]
    'on drafted inputs: 3 unconfirmed — confirm them before signing (`protv'
    >>> out["verdict_note"][70:]
    "2g validate` lists them); the passes of C5, C7 rest on head's pickup_a; R1's rating"
    >>> out["drafted_inputs"]["passes_rest_on"]["C7"]
    ["head's pickup_a (drafted: TODO)", "R1's rating"]
    >>> drafted_pass("FAIL", meta, ["C5"])
    {'drafted_inputs': None, 'verdict_note': ''}
    """
    meta = meta if isinstance(meta, dict) else {}
    todos = list(meta.get("unconfirmed") or [])
    if verdict != "PASS" or not todos:
        return {"drafted_inputs": None, "verdict_note": ""}
    stand_ins = meta.get("criterion_inputs") or {}
    rest = {c: [str(t) for t in stand_ins[c]["inputs"]]
            for c in sorted({str(c) for c in criteria}, key=order)
            if (stand_ins.get(c) or {}).get("basis") == InputBasis.TODO.value
            and stand_ins[c].get("inputs")}
    # the inputs once, in criterion order, however many criteria read them (the head's
    # settings are read by C4–C7 alike); at most MAX_NAMED named, the count says the rest
    inputs = list(dict.fromkeys(t.removesuffix(" (drafted: TODO)")
                                for ts in rest.values() for t in ts))
    more = len(inputs) - MAX_NAMED
    said = "; ".join(inputs[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")
    note = (f"on drafted inputs: {len(todos)} unconfirmed — confirm them before signing "
            "(`protv2g validate` lists them)"
            + (f"; the passes of {', '.join(rest)} rest on {said}" if rest else ""))
    near = {c: (closest or {})[c] for c in rest if c in (closest or {})}
    if near:
        note += "; closest passing rows: " + "; ".join(_closest_text(c, r)
                                                      for c, r in near.items())
    return {"drafted_inputs": {"n_unconfirmed": len(todos), "passes_rest_on": rest,
                               "closest_passing": near},
            "verdict_note": note}
