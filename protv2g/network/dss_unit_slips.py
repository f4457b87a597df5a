"""Values of an OpenDSS model a unit slip puts orders of magnitude off (review rev43b F2): a
Generator's, Load's, PVSystem's or Storage's ``kV`` given in volts (``kV=4160`` on a 4.16 kV
bus; PVSystem and Storage since inp43's note) and a synchronous machine's ``Xdpp``/``Xdp``
given in percent (``Xdpp=20`` for 0.2 pu). OpenDSS takes both as written — the machine's
fault contribution all but vanishes (a 4160 kV machine on a 4.16 kV bus behind 1e6 × its
impedance base; Xd″ = 20 pu), the load draws 1e-6 of its power, an inverter at 0.001 pu of
its rated voltage injects next to nothing — so the model solves and the result is right for
the model as written, and wrong for the feeder.

Not judged: a PVSystem's ``kVA`` against its ``Pmpp`` (or a Storage's against ``kWrated``)
as watts for kilowatts. OpenDSS gives each of a PVSystem's two a default of 500 of its own,
so a ratio of 100–1000 is also a small unit with one of them left unset (Pmpp=0.3 beside the
default kVA=500), which "give it in kilowatts" would misname; a Storage's kVA follows
kWrated when not given, so kWrated in watts moves both and leaves no ratio to see.

The bounds lie outside every value the field holds on a distribution feeder, as the study's
own unit-slip warnings (:mod:`protv2g.study.unit_slips`):

* element ``kV`` at least :data:`KV_RATIO_MAX` (100) × the bus's line-to-line base
  (OpenDSS ``kVBase`` × √3): an element is rated at its bus's voltage, line-to-line or
  line-to-neutral (0.58–1.1 ×); × 1000 is volts for kilovolts.
* ``Xdpp`` or ``Xdp`` above :data:`XD_MAX_PU` (2 pu on the machine rating): the transient and
  subtransient reactances of synchronous machines lie in 0.12–0.5 pu (Kundur, *Power System
  Stability and Control*, 1994, Table 4.2: X″d 0.12–0.35, X′d 0.15–0.5 pu, hydraulic and
  thermal units); only the synchronous reactance Xd reaches 1–2.5 pu, and it is not read here.

:func:`element_unit_slips` lists them (one row each, the value and the likely intended one);
:func:`protv2g.network.dss_model.load_dss_model` adds them to the model's notes and keeps the
table (``DssModel.unit_slips``), which ``validate`` prints with the study's "values that look
like a slip" and ``faults MASTER.dss`` prints after its table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KV_RATIO_MAX", "SLIP_COLUMNS", "XD_MAX_PU", "element_unit_slips"]

#: Element kV / bus line-to-line base kV at or above which the kV is taken as volts.
KV_RATIO_MAX = 100.0
#: Largest plausible Xd′ or Xd″ of a synchronous machine, pu on its rating (module docstring).
XD_MAX_PU = 2.0
#: Columns of :func:`element_unit_slips`.
SLIP_COLUMNS = ["element", "name", "field", "value", "intended", "what", "action"]


#: What a kV in volts does to each class in OpenDSS (its effect in the warning's fix). An
#: inverter (PVSystem, Storage) then sits at 0.001 pu of its rating, below ``Vminpu``, where
#: OpenDSS solves it as an impedance: a PVSystem of Pmpp 450 kW on a 4.16 kV bus injected
#: 1.9e-4 kW instead of 150 kW (OpenDSS 9.x via opendssdirect, checked for this module).
_KV_EFFECT = {"generator": "its fault contribution all but vanishes",
              "load": "it draws a millionth of its power",
              "pvsystem": "it injects next to nothing, in the flows and in a fault",
              "storage": "it injects next to nothing, in the flows and in a fault"}


def _kv_rows(injections: pd.DataFrame, buses: pd.DataFrame) -> list[tuple]:
    """A row per enabled element of :data:`_KV_EFFECT`'s classes whose ``kV`` is at least
    :data:`KV_RATIO_MAX` × its bus's line-to-line base."""
    inj = injections[injections.enabled.astype(bool)
                     & injections.cls.isin(list(_KV_EFFECT))]
    kv = inj.kv.to_numpy(float)
    kv_ll = buses.kv_ll.reindex(inj.bus.str.lower()).to_numpy(float)
    with np.errstate(invalid="ignore"):
        slip = np.isfinite(kv_ll) & (kv_ll > 0) & (kv >= KV_RATIO_MAX * kv_ll)
    rows = []
    for cls, full, bus, v, base in zip(inj.cls[slip], inj.name[slip], inj.bus[slip],
                                       kv[slip], kv_ll[slip], strict=True):
        what = (f"kV={v:g} is {v / base:,.0f} × the {base:.4g} kV base of its bus "
                f"{bus!r}, above any rating of an element there")
        rows.append((cls, full, "kV", v, v / 1000.0, what,
                     f"give the kV in kilovolts in the model (volts / 1000: kV={v / 1000.0:g}?);"
                     f" OpenDSS takes it as written: {_KV_EFFECT[cls]}"))
    return rows


def element_unit_slips(injections: pd.DataFrame, buses: pd.DataFrame, machines: Any
                       ) -> pd.DataFrame:
    """Unit slips of a compiled model (module docstring).

    Parameters
    ----------
    injections : pandas.DataFrame
        The model's loads and sources (:func:`protv2g.network.dss_elements.injection_table`:
        ``name``, ``cls``, ``bus``, ``kv``, ``enabled``).
    buses : pandas.DataFrame
        The model's bus table (``kv_ll``, kV, by lower-case bus name).
    machines : sequence of Machine
        The model's synchronous machines (:func:`protv2g.network.dss_elements.machines`).

    Returns
    -------
    pandas.DataFrame
        :data:`SLIP_COLUMNS`: element class, element name, OpenDSS property, the value, the
        likely intended value, what looks wrong and what to do.
    """
    rows = _kv_rows(injections, buses)
    for m in machines:
        for prop, value in (("Xdpp", m.xdpp_pu), ("Xdp", m.xdp_pu)):
            if value > XD_MAX_PU:
                rows.append(("generator", m.element.name, prop, value, value / 100.0,
                             f"{prop}={value:g} pu is above every synchronous machine's "
                             f"({XD_MAX_PU:g} pu; 0.12–0.5 pu, Kundur 1994 Table 4.2)",
                             f"give {prop} in per unit of the machine's kVA in the model "
                             f"(percent / 100: {prop}={value / 100.0:g}?); OpenDSS takes it as "
                             "written: the machine's fault contribution shrinks about 100-fold"))
    return pd.DataFrame(rows, columns=SLIP_COLUMNS)
