"""The feeder's load at a load level: ``LoadMult`` for a fraction of the peak load.

A study's load level (``scenarios.light_load_fraction``, a day's ``load_fraction``) is the
feeder's load as a fraction of its peak: "give the feeder's minimum load as a fraction of its
peak" (init's TODO). OpenDSS's ``LoadMult`` scales only the model's ``variable`` loads: a load
with ``status=fixed`` or ``status=exempt`` keeps its kW at every ``LoadMult`` (OpenDSS
Reference Guide, Load ``Status``). On the IEEE 8500-node feeder 24 loads (915.8 kW of 10,773
kW) are ``fixed``, so ``LoadMult`` 0.3 is 36 % of the peak, not 30 % (review rev34a W2: ≈ 0.64
MW more load in every light-load scenario than the study states — less reverse flow and voltage
rise than the study claims to judge).

The flows therefore solve a load level ``f`` at

    LoadMult = (f · P_total − P_held) / P_variable,

``P_held`` the enabled fixed/exempt loads' kW, ``P_variable`` the others', ``P_total`` their
sum (kW as the script defines them; a load with negative kW, generation written as a load, is
in neither sum and stays as OpenDSS treats it): the model's held loads stay as the model says, the
others carry the rest, and the feeder's load is ``f · P_total`` (kW as defined; a load's
voltage dependence aside, as with ``LoadMult`` itself). A level under ``P_held / P_total``
cannot be reached without editing the model: ``LoadMult`` 0 there, and the note says so. A
model with no held load is solved at ``LoadMult = f``, as before.

Examples
--------
>>> load_multiplier([0.3, 1.0], p_variable_kw=9857.0, p_held_kw=915.8).round(4).tolist()
[0.235, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LoadSplit", "load_split", "held_loads", "load_multiplier", "held_load_issues"]


@dataclass(frozen=True)
class LoadSplit:
    """The model's enabled loads split by whether ``LoadMult`` scales them (kW as defined)."""

    p_variable_kw: float
    p_held_kw: float
    n_held: int

    @property
    def floor_fraction(self) -> float:
        """The lowest load level reachable: the held loads' share of the peak."""
        total = self.p_variable_kw + self.p_held_kw
        return self.p_held_kw / total if total > 0 else 0.0

    def note(self, fractions: np.ndarray) -> str | None:
        """Plain words for the flows' notes (None where no load is held)."""
        if self.n_held == 0 or self.p_held_kw <= 0.0:
            return None
        f = np.unique(np.round(np.asarray(fractions, dtype=float), 6))
        mult = load_multiplier(f, self.p_variable_kw, self.p_held_kw)
        levels = ", ".join(f"{a:g} → LoadMult {m:.4g}" for a, m in zip(f, mult, strict=True)
                           if abs(a - m) > 1e-9)
        text = (f"{self.n_held} of the model's loads ({self.p_held_kw:,.1f} kW) have "
                "status=fixed/exempt, which LoadMult does not scale: they stay at their kW and "
                "the other loads carry the rest, so that each load level is that fraction of "
                f"the feeder's {self.p_variable_kw + self.p_held_kw:,.1f} kW peak"
                + (f" ({levels})" if levels else ""))
        low = f[f < self.floor_fraction - 1e-9]
        if len(low):
            text += (f"; load level {', '.join(f'{a:g}' for a in low)} is under the held loads' "
                     f"own {self.floor_fraction:.3f} of the peak: solved at LoadMult 0 (the "
                     "held loads only) — set those loads' status=variable in the model to go "
                     "lower")
        return text


def load_split(injections: pd.DataFrame) -> LoadSplit:
    """The enabled loads of an injection table
    (:func:`protv2g.network.dss_elements.injection_table`) split by ``load_status``; a
    table without that column counts every load as variable; negative kW counts 0.

    >>> inj = pd.DataFrame({"cls": ["load"] * 3, "enabled": True, "kw": [100.0, 50.0, -20.0],
    ...                     "load_status": ["variable", "fixed", "fixed"]})
    >>> load_split(inj)
    LoadSplit(p_variable_kw=100.0, p_held_kw=50.0, n_held=1)
    """
    _loads, kw, held = held_loads(injections)
    return LoadSplit(float(kw[~held].sum()), float(kw[held].sum()), int(held.sum()))


def held_loads(injections: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The enabled loads of an injection table, their kW (≥ 0: generation written as a
    negative load is not the feeder's load) and whether ``LoadMult`` leaves each at its kW
    (``load_status`` fixed or exempt; a table without that column: none)."""
    loads = injections[(injections["cls"].astype(str) == "load")
                       & injections["enabled"].astype(bool)]
    kw = pd.to_numeric(loads["kw"], errors="coerce").fillna(0.0).to_numpy(float)
    kw = np.maximum(kw, 0.0)
    status = (loads["load_status"].astype(str).to_numpy() if "load_status" in loads
              else np.full(len(loads), "variable"))
    held = ((status == "fixed") | (status == "exempt")) & (kw > 0.0)
    return loads, kw, held


def load_multiplier(fraction: np.ndarray | list[float], p_variable_kw: float,
                    p_held_kw: float) -> np.ndarray:
    """``LoadMult`` giving a feeder load of ``fraction`` × its peak (module docstring).

    Parameters
    ----------
    fraction : array_like
        ``(n,)`` load levels, fractions of the peak load (≥ 0).
    p_variable_kw, p_held_kw : float
        The enabled loads' kW that ``LoadMult`` scales and that it does not.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` ``LoadMult``, ≥ 0; equal to ``fraction`` where nothing is held or no
        variable load exists.
    """
    f = np.asarray(fraction, dtype=float)
    if p_held_kw <= 0.0 or p_variable_kw <= 0.0:
        return f.copy()
    total = p_variable_kw + p_held_kw
    return np.maximum((f * total - p_held_kw) / p_variable_kw, 0.0)


def held_load_issues(study: Any) -> list:
    """One :class:`~protv2g.errors.Issue` (file ``scenarios.light_load_fraction``) when the
    study's OpenDSS model holds loads LoadMult does not scale, saying how the load levels are
    solved (:meth:`LoadSplit.note` at the light-load fraction and the peak) — for ``validate``
    and the workbook's Feeder warnings (review ver34: the flows' note reached neither)."""
    from protv2g.errors import Issue

    model = getattr(study, "model", None)
    inj = getattr(model, "injections", None) if model is not None else None
    if inj is None:
        return []
    split = load_split(inj)
    frac = float(study.document.scenarios.light_load_fraction)
    note = split.note(np.array([frac, 1.0]))
    if note is None:
        return []
    return [Issue(str(study.path), "scenarios.light_load_fraction", note,
                  "nothing to do if the model's fixed loads are meant to stay at their kW; "
                  "otherwise give them status=variable in the model")]
