"""C12's reverse flow through a switched capacitor bank: does V2G move what its control senses
across its settings? (review rev30 §7).

A current-, kvar- or power-factor-controlled CapControl senses the flow at its monitored
terminal, so reverse power can switch its bank — but only if V2G moves the sensed quantity
across the control's ON or OFF setting. EPRI ckt5's ``CAP:mdv201_da_8_153_abc74433-1``
(current control, the model leaving OpenDSS's defaults ON 300 / OFF 200 A secondary, CT 60)
senses 6.33 A without V2G and 6.40 A with it at light load (Q dominates): 0.11 A secondary,
nowhere near either setting, and the row warned that reverse flow "can switch it in or out
as if it were load".

What each control type senses, as OpenDSS's CapControl ``Sample`` does (Reference Guide,
CapControl ``Type``, ``ONsetting``, ``OFFsetting``, ``CTratio``, ``CTphase``):

* ``current``: the monitored phase's current magnitude ÷ ``CTratio`` (``CTphase`` a conductor
  number, or ``AVG``/``MAX``/``MIN`` of the phases); ON above ``ONsetting``, OFF below
  ``OFFsetting`` — a magnitude: export looks like load;
* ``kvar``: the terminal's total reactive power, kvar, with its sign; ON above, OFF below;
* ``pf``: ``|P| / |S|``, ``2 −`` that when Q < 0 (leading, 1..2); ON below ``PFON``, OFF above
  ``PFOFF`` (a setting −0.98, 0.98 leading, is 1.02; OpenDSS's defaults 0.95 / 1.05). The
  arming condition on the bank's kvar is not repeated here.

Each step of a V2G scenario is compared with the same step of its base case
(:attr:`~protv2g.checks._common.CheckContext.base_of`): "switching side" = above ON (+1), below
OFF (−1) or between (0). Where it differs in some step the row is ``warn`` (V2G can switch the
bank); where it never does, ``info`` with the figures (the bank switches as without V2G).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.violations import CheckStatus

__all__ = ["CapSettings", "cap_settings", "sensed", "switching_side", "capacitor_verdict"]

#: The control types whose sensing reverse power reaches (see the module docstring).
SENSED_UNIT = {"current": "A", "kvar": "kvar", "pf": ""}


@dataclass(frozen=True)
class CapSettings:
    """A CapControl's settings as OpenDSS holds them (``on``/``off`` in the control's units:
    A secondary, kvar, or the PF metric 0..2)."""

    mode: str
    on: float
    off: float
    ct_ratio: float
    ct_phase: str


def _pf_metric(setting: float, default: float) -> float:
    """A PF setting in OpenDSS's 0..2 metric (−0.98 → 1.02); ``default`` outside ±1."""
    if -1.0 <= setting <= 1.0:
        return 2.0 + setting if setting < 0 else setting
    return default


def cap_settings(model: object) -> dict[str, CapSettings]:
    """``"CAP:<capacitor>"`` → the settings of its (first) enabled CapControl, read from the
    model's OpenDSS context; empty without an OpenDSS model."""
    dss = getattr(model, "engine", None)
    if dss is None:
        return {}

    def build(m: object) -> dict[str, CapSettings]:
        out: dict[str, CapSettings] = {}
        c = m.controls
        for name, target, mode in zip(c.name[c.kind == "capcontrol"],
                                      c.target[c.kind == "capcontrol"],
                                      c["mode"][c.kind == "capcontrol"], strict=True):
            key = f"CAP:{target.split('.', 1)[1]}"
            if key in out:
                continue
            dss.CapControls.Name(name.split(".", 1)[1])
            on, off = float(dss.CapControls.ONSetting()), float(dss.CapControls.OFFSetting())
            if mode == "pf":
                on, off = _pf_metric(on, 0.95), _pf_metric(off, 1.05)
            dss.Text.Command(f"? {name}.ctphase")
            out[key] = CapSettings(str(mode), on, off, float(dss.CapControls.CTRatio()),
                                   dss.Text.Result().strip().lower() or "1")
        return out

    return model.derived("cap_settings", build)


def sensed(rows: pd.DataFrame, st: CapSettings) -> np.ndarray:
    """What the control senses on each row of the flow's device table (module docstring):
    A secondary, kvar, or the PF metric."""
    if st.mode == "kvar":
        return rows.q_mvar.to_numpy(float) * 1e3
    if st.mode == "pf":
        p, q = rows.p_mw.to_numpy(float), rows.q_mvar.to_numpy(float)
        s = np.hypot(p, q)
        with np.errstate(invalid="ignore", divide="ignore"):
            pf = np.where(s > 0, np.abs(p) / s, 1.0)
        return np.where(q < 0, 2.0 - pf, pf)
    cols = [f"i{c}_a" for c in "abc"]
    i = rows[cols].to_numpy(float)
    phases = [str(x) for x in rows.phases] if "phases" in rows else ["abc"] * len(rows)
    if st.ct_phase in ("avg", "max", "min"):
        have = np.array([[c in p for c in "abc"] for p in phases], dtype=bool).reshape(-1, 3)
        i = np.where(have, i, np.nan)
        value = {"avg": np.nanmean, "max": np.nanmax, "min": np.nanmin}[st.ct_phase](i, axis=1)
    else:
        k = max(int(float(st.ct_phase)) - 1, 0)
        at = np.array(["abc".index(p[min(k, len(p) - 1)]) if p else 0 for p in phases],
                      dtype=np.int64)
        value = i[np.arange(len(i)), at]
    return value / (st.ct_ratio or 1.0)


def switching_side(x: np.ndarray, st: CapSettings) -> np.ndarray:
    """+1 where ``x`` would switch the bank on (a step in), −1 off, 0 between (NaN: 0)."""
    if st.mode == "pf":
        on, off = x < st.on, x > st.off
    else:
        on, off = x > st.on, x < st.off
    return np.where(on, 1, np.where(off, -1, 0))


def _figure(x: float, st: CapSettings) -> str:
    if st.mode == "pf":
        return f"{2.0 - x:.3f} leading" if x > 1.0 else f"{x:.3f} lagging"
    if st.mode == "current":
        return f"{x * st.ct_ratio:.3g} A ({x:.4g} A at the control)"
    return f"{x:.4g} {SENSED_UNIT[st.mode]}"


def capacitor_verdict(model: object, dev: pd.DataFrame, base_of: dict, scenario: str,
                      device: str, step: object, reverse_text: str
                      ) -> tuple[CheckStatus, str]:
    """C12's status and text for reverse power through capacitor ``device`` in ``scenario``
    (module docstring); ``step`` the row's (worst) step; ``reverse_text`` the text without
    the comparison (``warn``), kept where the settings or the base case are not known."""
    st = cap_settings(model).get(device)
    base = base_of.get(scenario)
    if st is None or st.mode not in SENSED_UNIT or not base or base == scenario:
        return CheckStatus.WARN, reverse_text
    mine = dev[(dev.device == device) & (dev.scenario == scenario)]
    ref = dev[(dev.device == device) & (dev.scenario == base)]
    pair = pd.merge(mine.assign(_x=sensed(mine, st))[["step", "_x"]],
                    ref.assign(_x=sensed(ref, st))[["step", "_x"]], on="step",
                    suffixes=("", "_base"))
    if pair.empty:
        return CheckStatus.WARN, reverse_text
    x, xb = pair._x.to_numpy(float), pair._x_base.to_numpy(float)
    moved = (switching_side(x, st) != switching_side(xb, st)) & np.isfinite(x) & np.isfinite(xb)
    at = int(np.flatnonzero(moved)[0]) if moved.any() else int(
        np.flatnonzero((pair.step == step).to_numpy())[0] if (pair.step == step).any() else 0)
    what = {"current": f"its current-controlled CapControl senses the current (phase "
                       f"{st.ct_phase}) ÷ CT ratio {st.ct_ratio:g}",
            "kvar": "its kvar-controlled CapControl senses the reactive power, with its sign",
            "pf": "its PF-controlled CapControl senses the power factor"}[st.mode]
    unit = SENSED_UNIT[st.mode]
    on, off = ((f"{2 - v:.3f} leading" if v > 1 else f"{v:.3f} lagging") if st.mode == "pf"
               else f"{v:g} {unit}".strip() for v in (st.on, st.off))
    head = (f"{what}: {_figure(xb[at], st)} without V2G, {_figure(x[at], st)} with it, "
            f"against ON {on} / OFF {off}")
    if moved.any():
        return CheckStatus.WARN, (f"{head}: V2G moves it across a setting in {int(moved.sum())} "
                                  f"of {len(moved)} step(s), so the export can switch the bank "
                                  "as load would")
    return CheckStatus.INFO, (f"{head}: V2G does not move it across either setting in any "
                              "step, so the bank switches as without V2G")
