"""Where the IEC 60909 maximum SLG current is no upper bound of the model's own (review rev46b M1).

IEC 60909-0:2016 leaves non-rotating loads out of the short-circuit calculation (its §3.x
definitions and the maximum case's conditions, recalled: "loads … are neglected" apart from
motors), and protv2g's ``faults.method: iec60909`` does so on the OpenDSS path too. On a solidly
grounded feeder that changes little. On an **impedance-grounded** source it can change the
ground-fault current several times over: an OpenDSS model whose loads are grounded-wye on the
primary (``conn=wye``, the default) gives each load's star point a zero-sequence path in
parallel with the source's neutral impedance, and those paths then carry most of the fault's
``3I0``. Review rev46b v1 (IEEE 13 with a Yg–Yg substation and a 10 Ω neutral reactor): the
IEC maximum SLG at 675 is 244 A on each phase, OpenDSS's fault study 684.8 / 1128.7 / 664.6 A
(protv2g's ``classical`` method the same), 652 241 A against 639.0 A; Z0 at 675 is
7.2 + 3.6j Ω with the loads and 0.63 + 33.5j Ω without them.

The "max" case is what C7 (interrupting duty), the fuses' and relays' largest currents and
``init``'s drafted 51G rest on, so it should bound the current. Whether the loads' ground paths
are real is a fact of the feeder, not of the model: a load behind a delta–wye (Dyn) service
transformer — the usual connection of distribution loads — passes no zero-sequence current to
the primary at all; a load connected line to neutral on a 4-wire multigrounded primary does.
protv2g therefore does not choose for the engineer (it does not take the larger of the two
currents silently: that would make every IEEE-style model, whose loads sit on the primary at
OpenDSS's default wye, read the fictitious paths as duty); it says where the two differ by
more than :data:`SLG_GAP_REL`, by how much, what drives it, and what to do: confirm the loads'
connection (delta or behind a Dyn transformer: the IEC figure stands) or take the loads in
with ``faults.method: classical`` (OpenDSS's own fault study).

Cost: one classical and one IEC 60909 solve of the maximum-case SLG faults (no sites, no
device rows), two factorisations of the model's admittance matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import InputError, Issue

__all__ = ["SLG_GAP_REL", "SLG_GAP_WHAT", "iec_slg_gap_issues", "model_slg_gaps", "slg_gaps"]

#: The classical (loads in) maximum SLG current over the IEC 60909 maximum (loads out) above
#: which a bus is named: 25 %. The two methods differ without any ground path too — the
#: classical one on OpenDSS's solved regulator taps and pre-fault voltages, IEC 60909 on
#: c_max·Un — by up to 10.8 % on IEEE 8500 (behind regxfmr_190-8593, phase c: 1126.7 against
#: 1016.8 A; a solidly grounded feeder, measured in session 46); the grounded-wye loads of an
#: impedance-grounded source give multiples (review rev46b v1: 2.6–5.3 ×). Review rev46b
#: suggested 10 %, which named 29 buses of IEEE 8500 for a regulator's boost.
SLG_GAP_REL = 0.25
#: The first words of the warning (the Summary and the Feeder warnings sheet find it by them).
SLG_GAP_WHAT = "the IEC 60909 maximum SLG current is no upper bound here"
#: Buses named in the text.
_SHOWN = 5


def slg_gaps(model: Any, buses: list[str] | None = None, r_fault_ohm: float = 0.0,
             x_fault_ohm: float = 0.0) -> pd.DataFrame:
    """Maximum-case SLG faults whose classical current exceeds the IEC 60909 one by more
    than :data:`SLG_GAP_REL`.

    Parameters
    ----------
    model : DssModel
    buses : list of str, optional
        Fault buses (default: the engine's, every primary bus).
    r_fault_ohm, x_fault_ohm : float
        The study's fault impedance (Ω), the same in both solves.

    Returns
    -------
    DataFrame
        ``bus_name, phase, i_iec_a, i_classical_a, ratio`` (classical / IEC), largest ratio
        first; empty where none exceeds it.
    """
    from protv2g.engine.phase import phase_fault_study

    kw = dict(fault_types=["SLG"], cases=["max"], buses=buses, r_fault_ohm=r_fault_ohm,
              x_fault_ohm=x_fault_ohm)
    iec = phase_fault_study(model, method="iec60909", **kw).bus
    cls = phase_fault_study(model, method="classical", **kw).bus
    key = ["bus_name", "phase"]
    both = iec[key + ["ikss_ka"]].merge(cls[key + ["ikss_ka"]], on=key,
                                        suffixes=("_iec", "_cl"))
    i_iec = both["ikss_ka_iec"].to_numpy(float) * 1e3
    i_cl = both["ikss_ka_cl"].to_numpy(float) * 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(i_iec > 0, i_cl / i_iec, np.inf)
    over = (i_cl > (1.0 + SLG_GAP_REL) * i_iec) & (i_cl > 0)
    out = pd.DataFrame({"bus_name": both["bus_name"].to_numpy()[over],
                        "phase": both["phase"].to_numpy()[over],
                        "i_iec_a": i_iec[over], "i_classical_a": i_cl[over],
                        "ratio": ratio[over]})
    return out.sort_values("ratio", ascending=False, kind="stable").reset_index(drop=True)


def gap_text(gaps: pd.DataFrame) -> tuple[str, str]:
    """The warning's ``(what, fix)`` for :func:`slg_gaps`'s rows (non-empty)."""
    buses = list(dict.fromkeys(gaps["bus_name"].astype(str)))
    more = f" and {len(buses) - _SHOWN} more" if len(buses) > _SHOWN else ""
    top = gaps.iloc[0]
    what = (f"{SLG_GAP_WHAT}: at {len(buses)} fault bus(es) ({', '.join(buses[:_SHOWN])}{more}) "
            "the classical SLG current (OpenDSS's fault study, the model's loads in) exceeds "
            f"the IEC 60909 maximum (loads out, IEC 60909-0 §5.1) by more than "
            f"{100 * SLG_GAP_REL:g} %, up to {top.ratio:.2f} × ({top.bus_name} "
            f"SLG-{top.phase}: {top.i_classical_a:.0f} A against {top.i_iec_a:.0f} A). "
            "It is driven by zero-sequence paths through the model's grounded-wye loads on an "
            "impedance-grounded source: they carry most of the fault's 3I0. C7 duty, the "
            "fuses' and relays' largest currents and init's drafted 51G rest on the IEC "
            "maximum")
    fix = ("confirm how the loads are really connected: behind delta–wye (Dyn) service "
           "transformers or delta they carry no primary 3I0 and the IEC maximum stands (model "
           "them so: conn=delta, or their transformers); where they are line to neutral on a "
           "4-wire primary, use faults.method: classical (the loads in, as OpenDSS's fault "
           "study)")
    return what, fix


def model_slg_gaps(model: Any, r_fault_ohm: float, x_fault_ohm: float) -> pd.DataFrame | None:
    """:func:`slg_gaps` at the primary buses (the engine's default fault buses; a service
    transformer's secondary is fed through its own winding, not the source's neutral
    impedance), once per model and fault impedance (:meth:`DssModel.derived`: validate's
    warnings, run's Feeder warnings and ``faults`` read the same); ``None`` for a model the
    fault study refuses (its own study says why)."""
    key = f"slg_gaps:{float(r_fault_ohm)!r}:{float(x_fault_ohm)!r}"
    try:
        return model.derived(key, lambda m: slg_gaps(m, None, r_fault_ohm, x_fault_ohm))
    except InputError:
        return None


def iec_slg_gap_issues(study: Any) -> list[Issue]:
    """:func:`slg_gaps` of an OpenDSS study run with ``faults.method: iec60909`` whose fault
    types include SLG and whose cases the maximum, as one warning (``faults.method``); ``[]``
    otherwise (a pandapower study, the classical method, no gap)."""
    model = getattr(study, "model", None)
    f = study.document.faults
    if (model is None or str(getattr(f.method, "value", f.method)) != "iec60909"
            or "SLG" not in {str(getattr(t, "value", t)) for t in f.fault_types}
            or "max" not in {str(getattr(c, "value", c)) for c in f.cases}):
        return []
    gaps = model_slg_gaps(model, f.r_fault_ohm, f.x_fault_ohm)
    if gaps is None or gaps.empty:
        return []
    what, fix = gap_text(gaps)
    return [Issue(str(study.path), "faults.method", what, fix)]
