"""The feeder's own inverters (existing PV, storage) as fault sources: one basis with the chargers.

Both engines take the feeder's existing inverter-based units into every scenario's **maximum**
case (the sequence path from pandapower ``sgen``/``storage``,
:func:`protv2g.study.engine_inputs.existing_der_sources`; the phase path from OpenDSS
``PVSystem``/``Storage``, :mod:`protv2g.engine.phase.der`) and leave them out (0 A) of the
**minimum** case's bus currents; on the OpenDSS path a minimum-case *device* row is the lower
of the units out and in by this model (:mod:`protv2g.pipeline_der_min`, below).
:class:`InverterModel` says how such a unit behaves in the maximum case; it
is the V2G chargers' default model (``docs/charger-fault-model.md`` §3, §6), only the rating
is the unit's own:

=====================  =========================  ==============================================
quantity               value (default)            source
=====================  =========================  ==============================================
first-cycle limit      1.5 pu of its kVA          the chargers' ``limit_pu``; 1.5–2.0 pu is the
                                                  conservative first-cycle planning value
                                                  (``../shared/domain.md`` §1;
                                                  ``../shared/reference/der/inverter_fault_
                                                  current_and_reclosing.csv``)
sustained limit, low   1.1 pu                     middle of the 1.0–1.2 pu published for
                                                  grid-following inverters (same file)
sustained limit, high  1.2 pu                     top of that range: the chargers' high bracket
control law            active-power priority      IEEE 1547-2018 era grid following, unity pf
voltage trips          IEEE 1547-2018 Category II the chargers' default (Tables 11–13)
=====================  =========================  ==============================================

A unit whose model gives its own short-circuit ratio (pandapower ``sgen.k``: IEC 60909-0's
``I_skPF / I_rG``) keeps it as its first-cycle limit, its sustained limits capped there (as a
V2G site's ``sustained_limit_pu`` never exceeds its ``limit_pu``).

The bracket: the maximum case (duty, coordination) takes the end that raises the fault
current — the first-cycle limit, then the low and high sustained brackets like the chargers'
(every time-based criterion judged on the worse); the minimum case (sensitivity, reach) the end
that lowers it. For a **bus** that is the unit out, as IEC 60909 ``calc_sc`` leaves current
sources out of minimum currents (:attr:`~protv2g.engine.chargers.ChargerSource.max_case_only`).
For a **device** with the unit between it and the fault it is the unit *in* — it supplies part
of the fault, the device carries less (review rev34c M4, EPRI J1: rc_mid phase a 512.5 → 436.5
A, OpenDSS) —, and an IEEE 1547-2018 unit that rides through (Category II, Tables 11–13:
no trip above 0.88 pu for 2 s … momentary cessation below 0.5 pu, the model's stages) feeds
the fault at this model's limits. So the OpenDSS path solves the minimum case both ways and
takes, per device row, the lower (its largest phase current; a device with a ground element
only where its ``3I0`` is not raised: :func:`protv2g.pipeline_der_min.lower_with_der`). The
sequence (pandapower) path still takes the unit out for every row.
"""

from __future__ import annotations

from dataclasses import dataclass

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.ride_through import CATEGORY_CESSATION_PU, trip_elements
from protv2g.units import (
    INVERTER_FIRST_CYCLE_PU,
    ChargerLaw,
    ChargerMode,
    RideThroughCategory,
)

__all__ = ["InverterModel", "INVERTER_MODEL_SOURCE"]

#: Where the values of :class:`InverterModel` come from (sheets and notes).
INVERTER_MODEL_SOURCE = (
    "the V2G chargers' default model (docs/charger-fault-model.md §6): first cycle 1.5 pu "
    "(domain.md §1 planning value 1.5–2.0 pu), sustained 1.1 pu low / 1.2 pu high bracket "
    "(1.0–1.2 pu grid following, reference/der/inverter_fault_current_and_reclosing.csv), "
    "IEEE 1547-2018 Category II trips")


@dataclass(frozen=True)
class InverterModel:
    """How an existing inverter-based unit injects fault current (module docstring).

    Parameters
    ----------
    limit_pu : float
        First-cycle current limit, pu of the unit's kVA.
    sustained_limit_pu, sustained_limit_high_pu : float
        Sustained limit of the low and the high bracket, pu (capped at the first-cycle limit).
    law : ChargerLaw
        Control law after the first cycle.
    category : RideThroughCategory
        IEEE 1547-2018 ride-through category: its voltage trips and momentary cessation.
    """

    limit_pu: float = INVERTER_FIRST_CYCLE_PU
    sustained_limit_pu: float = 1.1
    sustained_limit_high_pu: float = 1.2
    law: ChargerLaw = ChargerLaw.ACTIVE_PRIORITY
    category: RideThroughCategory = RideThroughCategory.II

    def limits(self, limit_pu: float | None = None) -> tuple[float, float, float]:
        """``(first cycle, sustained low, sustained high)`` pu for a unit whose own
        first-cycle limit is ``limit_pu`` (``None``: this model's)."""
        fc = self.limit_pu if limit_pu is None else float(limit_pu)
        low = min(self.sustained_limit_pu, fc)
        return fc, low, min(fc, max(low, self.sustained_limit_high_pu))

    def source(self, name: str, bus: int, s_rated_mva: float, p_pre_mw: float,
               mode: ChargerMode = ChargerMode.EXPORTING, *, limit_pu: float | None = None,
               high: bool = False) -> ChargerSource:
        """The unit as a maximum-case-only :class:`ChargerSource` of the low (or ``high``)
        bracket; ``limit_pu`` its own first-cycle limit where the model gives one."""
        fc, low, hi = self.limits(limit_pu)
        cat = RideThroughCategory(self.category)
        return ChargerSource(name=name, bus=bus, s_rated_mva=s_rated_mva, limit_pu=fc,
                             sustained_limit_pu=hi if high else low, law=self.law, mode=mode,
                             p_pre_mw=p_pre_mw, trip=trip_elements(cat),
                             cessation_below_pu=CATEGORY_CESSATION_PU[cat],
                             max_case_only=True)

    def describe(self, limit_pu: float | None = None, min_per_device: bool = False) -> str:
        """One line for the Existing sources sheet; ``min_per_device``: the minimum case's
        device rows take the lower of the unit out and in (the OpenDSS path, module
        docstring), else the unit is out of the minimum case."""
        fc, low, hi = self.limits(limit_pu)
        own = " (the model's own k)" if limit_pu is not None else ""
        return (f"current-limited inverter by the chargers' law: {fc:g} pu first cycle{own}, "
                f"then {ChargerLaw(self.law).value} at {low:g} pu (low bracket) / {hi:g} pu "
                f"(high), IEEE 1547-2018 Category {RideThroughCategory(self.category).value} "
                + ("trips; in the max case, and in the min case at a device where it "
                   "lowers the device's current (0 A at the faulted bus)" if min_per_device
                   else "trips; max case only (0 A in the min case)"))
