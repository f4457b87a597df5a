"""C7 interrupting duty and V2G fault-level change at the device's terminals, with X/R.

Two bases, both on every row: the **rating duty** (the current the device must interrupt
against its interrupting rating, a ``fail`` above it, ``mechanism`` :data:`RATING_DUTY`) and
the **change against no V2G** (the same device's largest current in the base case, a
``warn`` when V2G raises it by more than ``v2g_change_fraction``, ``mechanism``
:data:`LEVEL_CHANGE`). A row of either kind states the other basis too.

For every device, scenario and maximum case, the largest phase current it carries for any
fault — the faults include the close-in position just past the device
(:mod:`protv2g.network.fault_positions`), i.e. its terminal fault — is compared with its
interrupting rating on the **basis of the rating** (``interrupting_rating_basis``):

* ``sym`` (default; breakers IEEE C37.04/C37.06, reclosers C37.60, fuses rated
  symmetrical): the rating holds up to the rating's test X/R (``rating_x_r``, default the
  standard 45 ms dc time constant's: 17 at 60 Hz, 14.1 at 50 Hz, IEC 62271-100 §4.101.2:
  :func:`protv2g.engine.asymmetry.rating_x_r_default`). Above it the symmetrical current is
  raised by the ratio of the asymmetric factors (IEEE C37.010-1999 §5.3, the X/R
  multiplying factor):
  ``I_duty = max(I_sym, I_asym(t)/S(X/R_rating, t))``;
* ``asym`` (a total-rms rating, e.g. some expulsion-fuse cutouts): ``I_duty = I_asym(t)``,

and the basis when the study file gives none: ``sym`` for breakers and reclosers, ``asym`` for
a US distribution fuse (EEI-NEMA K/T links in IEEE C37.42 cutouts, rated in asymmetrical rms
amperes at the test X/R, tested per C37.41), ``sym`` for an IEC 60269 fuse (gG and the other
IEC 60269 links: the rated breaking capacity is a prospective current, the r.m.s. value of its
a.c. component, IEC 60269-1 — :func:`protv2g.study.fuse_standard.with_iec_fuse_basis`, applied
at loading, so the row's ``rating_basis`` says which was used). On ``sym`` the X/R clause
above holds with ``rating_x_r`` (default the 45 ms constant's X/R; an IEC 60269 breaking
test is made at a power factor 0.1–0.2, X/R ≈ 5–10, recalled: give ``rating_x_r`` for the
fuse's own test X/R, a lower value being the conservative one),

with ``t`` half a cycle (the first-cycle current: the earliest contact parting, the
conservative end) and ``I_asym`` from :func:`protv2g.checks.asymmetry.asym_rms_ka`: the
network's part of the current is offset, the chargers' part is not.

``I_sym`` is on the **IEC 60909 basis** of the maximum case (#16,
:mod:`protv2g.checks.converter_sum`): per phase, the network's part ``I_net`` is the base
case's phasor through the device for the same fault, the chargers' part ``I_conv = I −
I_net`` (phasor), and ``I_sym = |I_net| + |I_conv|`` (full-size converters added by
magnitude, IEC 60909-0:2016 as pandapower's ``calc_sc``; on a feeder with existing inverter
sources ``I_net`` is the grid alone and the existing DER's part ``I_base − I_grid`` is added
by magnitude too, see :mod:`protv2g.checks.converter_sum`), the largest over the phases. It
is never below the control-law phasor ``|I|`` (kept as ``i_phasor_ka``), which can be
*lower* than the base case where the chargers' current arrives against the grid's. Where the
base case has no row (the OpenDSS path keeps device rows ≥ 1 A only) the phasor is used and
all of it is taken as the network's. The minimum case (Device duty sheet only) and every
time-based criterion keep the control-law phasor solution. X/R is that of the fault position's
driving-point impedance (maximum case, :func:`~protv2g.checks.asymmetry.driving_point_x_r`).
The peak ``i_p = κ·√2·|I_net| + √2·|I_conv|`` (IEC 60909-0 eq. (54)–(55), method b) is
reported with it (Device duty sheet). ``I_duty > rating × duty_margin`` is ``fail``; margin in kA.

A V2G-caused increase of the largest symmetrical current (same basis) by more than
``v2g_change_fraction`` (default 10 %) over the base case is a ``warn`` row even within the
rating. A device without an interrupting rating cannot be checked: a ``not_evaluated`` row.

Where the row's model holds a site's own equipment (``model_transformer``, a pandapower
``interconnection_transformer``: out of the base case) the network part ``I_net`` is the same
fault with **every charger idle** and the equipment in, on every row (review rev37b F2: a
YNd winding is a zero-sequence source to every ground fault on the feeder — IEEE 34, F-818's
close-in SLG-a 0.2885 kA without the depot's transformer, 0.3070 kA with it and no charger,
OpenDSS 0.2843 / 0.3053 kA), and the change is split by cause
(:func:`~protv2g.checks.duty_rows.change_shares`): the chargers' share ``I / I_idle`` (the
device's largest with every charger idle, ``i_idle_ka``) and the equipment's ``I_idle /
I_base``. The row is V2G's (attribution by the base case: ``new``) where the chargers' share
passes the fraction; :data:`~protv2g.checks.equipment.EQUIPMENT` where only the equipment's
share does (its message says the remedy is the equipment, not the chargers). Where neither
share crosses it but the total ``I / I_base`` does, the project as a whole raised the duty
(ver37 §5b, IEEE 34 F-818: +16.1 % = +6.4 % equipment and +9.1 % chargers, not flagged before
mix38): a ``warn`` row saying both shares, caused by the project's equipment and V2G together
(:func:`~protv2g.checks.duty_rows.project_change`; the fraction is domain.md C7's 10 %, a
screening figure for re-checking the rating, kept), attributed
:data:`~protv2g.checks.equipment.PROJECT` — the finding "caused by the project (equipment + V2G
together)", not "caused by V2G" (review s38).

A device on a site's own transformer has no base twin (it comes with the project): its fail
rows are compared with the feeder's fault level at its feeder-side bus in the base case, and
those over the rating by that alone are attributed ``equipment`` — the project's equipment,
not its chargers (:mod:`protv2g.checks.equipment`, review rev34a M1).

The figures of every device (:func:`duty_frame`) are :mod:`.duty_figures`; the rows of the
fault table each figure is read from :mod:`.duty_rows`; the rows' message texts
:mod:`.duty_text`; what C7 leaves for the Device duty sheet (:mod:`.duty_sheet`)
:mod:`.duty_known`.

References
----------
IEC 60909-0:2016 §8.1 (peak current, κ); IEEE Std C37.010-1999 §5.3 (application of
symmetrical-current-rated breakers, X/R above the standard's), C37.04/C37.06 (45 ms standard dc
time constant), C37.60 (reclosers), C37.41 (fuses); IEC 60269-1 (low-voltage fuses: rated
breaking capacity as a prospective symmetrical current); IEEE Std 1547.2-2023 §8.2 (DER
contribution to fault duty).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.checks._keys import keys_of
from protv2g.checks.asymmetry import RATING_X_R_DEFAULT, asym_rms_factor
from protv2g.checks.converter_sum import IEC_SUM_SOURCE
from protv2g.checks.duty_figures import _DUTY_COLUMNS, DUTY_COLUMNS, duty_frame
from protv2g.checks.duty_known import KnownDuty
from protv2g.checks.duty_rows import base_ka as _base_ka
from protv2g.checks.duty_rows import (
    change_shares,
    project_change,
    rated_and_case_rows,
    same_fault_base,
    same_fault_text,
)
from protv2g.checks.duty_rows import first_largest as _first_largest  # noqa: F401
from protv2g.checks.duty_text import (
    _basis_text,
    _idle_change_text,
    _phasor_note,
    _xf_note,
    equipment_change_text,
    project_change_text,
    through_text,
)
from protv2g.checks.equipment import EQUIPMENT, PROJECT, equipment_duty
from protv2g.criteria import MarginUnit
from protv2g.study.dss_site_transformers import grounded_site_transformers
from protv2g.units import Case
from protv2g.violations import CheckStatus

__all__ = ["check_duty", "duty_frame", "KnownDuty", "RATING_X_R_DEFAULT", "DUTY_COLUMNS"]

_DUTY_SOURCE = ("IEEE C37.010-1999 §5.3 (symmetrical rating above its X/R; asymmetrical rms); "
                "IEC 60909-0:2016 §8.1 (peak factor κ); rating X/R: the device's rating_x_r or "
                "the 45 ms dc time constant's (C37.04/C37.06, IEC 62271-100 §4.101.2: 17 at 60 Hz, "
                "14.1 at 50 Hz); symmetrical current: " + IEC_SUM_SOURCE)


#: ``mechanism`` of C7's two bases.
RATING_DUTY = "rating duty: above the interrupting rating"
LEVEL_CHANGE = "fault-level change against no V2G"


def check_duty(ctx: CheckContext) -> pd.DataFrame:
    """C7 violation rows (see the module docstring)."""
    names = [d.name for d in ctx.study.document.devices]
    if not names:
        return not_applicable("C7", "no protective device in this study")
    if ctx.faults is None:
        return could_not("C7", "no fault result (engine device table)")
    rows = [unevaluable(ctx, "C7", names)]
    rated = []
    adopted = {m["name"] for m in getattr(ctx.study, "model_devices", ())}
    for d in ctx.study.document.devices:
        if d.interrupting_rating_ka is None:
            # the fix, with where the value goes for a device adopted from an OpenDSS model
            # (review rev47b P3: the gate's line named no fix)
            where = ("define it under devices: (the same name replaces the device adopted "
                     "from the OpenDSS model; `protv2g validate` prints the entry)"
                     if d.name in adopted else "give it in its devices: entry")
            rows.append(could_not("C7", f"device {d.name} has no interrupting_rating_ka; "
                                  f"fix: {where}, or take C7 out of gate.criteria",
                                  device=d.name))
        else:
            rated.append(d.name)
    # only the columns duty reads (#21: the checks' fault table has ≈ 50, times of both
    # brackets included, and every step below copied them all)
    cols = [c for c in _DUTY_COLUMNS if c in ctx.faults.columns]
    # the rated devices' rows of the maximum case (all cases when it is not computed), by
    # position: duty_frame takes them block by block (#21: one copy of them all before)
    keys = keys_of(ctx)
    take, mx = rated_and_case_rows(ctx.faults, keys, rated, Case.MAX.value)
    mx &= take
    at = np.flatnonzero(mx if mx.any() else take)
    if not len(at):
        return concat(rows)
    w = duty_frame(ctx.study, ctx.faults, ctx.base_of, rows=at, columns=cols, keys=keys)
    # the Device duty sheet takes these (scenario, device, case) rows over (#21: it rebuilt
    # them, 0.3 s on the IEEE 8500): :func:`device_duty_table`'s ``known``
    ctx.cache["duty_frame"] = KnownDuty(w, at, len(ctx.faults), dict(ctx.base_of),
                                        ctx.study.model, keys, ctx.study.net,
                                        ctx.study.document.faults.method)
    lim = w.rating_ka.to_numpy() * ctx.thresholds.duty_margin
    over = w.i_duty_ka.to_numpy() > lim + 1e-9
    bad, lim_bad = w[over], lim[over]
    # V2G change of the largest symmetrical current against the base case, every row
    i_base = _base_ka(w, ctx.base_of)
    f_hz = float(getattr(ctx.study.feeder, "f_hz", 60.0) or 60.0)
    if len(bad):
        # like with like: the same fault without V2G, on the rating's basis (rev33b W3)
        rating_s = asym_rms_factor(bad.rating_x_r.to_numpy(float), 0.5 / f_hz, f_hz)
        sym_b, duty_b = same_fault_base(bad.assign(i_base_ka=i_base[over]), rating_s,
                                        0.5 / f_hz, f_hz)
        # a device on a site's own transformer (no base twin): the feeder's fault level at
        # its bus without any charger; over the rating by itself → the project's equipment
        # (review rev34a M1)
        sym_b, duty_b, equipment, eq_text = equipment_duty(ctx, bad, lim_bad, rating_s,
                                                           0.5 / f_hz, f_hz, sym_b, duty_b)
        msgs = [f"{r.device} must interrupt {_basis_text(r)} (peak {r.ip_ka:.1f} kA) for "
                f"{ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)} "
                f"{ctx.export_text(r.scenario)}{_xf_note(ctx, r)}, above its "
                f"{r.rating_basis} rating of {lm:.2f} kA"
                + (eq or same_fault_text(r, sb, db))
                for r, lm, sb, db, eq in zip(
                    bad.assign(i_base_ka=i_base[over]).itertuples(index=False), lim_bad,
                    sym_b, duty_b, eq_text, strict=True)]
        rows.append(violation_rows(
            "C7", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
            fault_bus=bad.fault_bus_name.to_numpy(), fault_type=bad.fault_type.to_numpy(),
            case=bad.case.to_numpy(), device=bad.device.to_numpy(),
            i_device_a=1000.0 * bad.i_duty_ka.to_numpy(), i_other_a=1000.0 * lim_bad,
            margin=lim_bad - bad.i_duty_ka.to_numpy(), limit=lim_bad, tolerance=0.0,
            rule=[f"interrupting rating ({b}), valid to X/R (value)" for b in
                  bad.rating_basis], rule_value=bad.rating_x_r.to_numpy(),
            rule_source=_DUTY_SOURCE, mechanism=RATING_DUTY,
            data_boundary="inside", message=msgs))
        if equipment.any():  # kept by the attribution (as C10's)
            rows[-1]["attribution"] = np.where(equipment, EQUIPMENT, "").astype(object)
    frac = ctx.thresholds.v2g_change_fraction
    rise_all, rise_eq, is_v2g, is_eq = change_shares(
        w.i_max_ka.to_numpy(float), w.i_idle_ka.to_numpy(float), i_base, frac)
    # the project as a whole over the fraction, each share within it (mix38)
    rise_project, is_proj = project_change(w.i_max_ka.to_numpy(float),
                                           w.i_idle_ka.to_numpy(float), i_base, frac)
    rise_all = np.where(is_proj, rise_project, rise_all)
    is_up = is_v2g | is_eq | is_proj  # NaN (a base row, no base row) is never up
    up, rise, eq_up = (w[is_up].assign(i_base_ka=i_base[is_up]), rise_all[is_up],
                       is_eq[is_up])
    if len(up):
        idle = np.isfinite(up.i_idle_ka.to_numpy(float))
        on = grounded_site_transformers(ctx.study) if eq_up.any() else {}
        proj_up = is_proj[is_up]
        msgs = [(project_change_text(ctx, r, x, e, lm, frac) if pj else
                 equipment_change_text(ctx, r, x, e, lm, on) if q else
                 f"V2G raises the largest fault current {through_text(r.device)} by "
                 f"{x:.0%} to {r.i_max_ka:.2f} kA symmetrical (from "
                 + (f"{r.i_idle_ka:.2f} kA, the largest with every charger idle"
                    if d else f"{r.i_base_ka:.2f} kA, the largest without V2G")
                 + f"{_phasor_note(r, frac)}) {ctx.export_text(r.scenario)}"
                 + (_idle_change_text(ctx, r, x, e) if d else _xf_note(ctx, r))
                 + f"; rating duty {r.i_duty_ka:.2f} kA = {r.i_duty_ka / lm:.0%} of its "
                 f"{r.rating_basis} rating {lm:.2f} kA")
                for r, x, e, q, d, lm, pj in zip(up.itertuples(index=False), rise,
                                                 rise_eq[is_up], eq_up, idle, lim[is_up],
                                                 proj_up, strict=True)]
        ref = np.where(idle & ~eq_up & ~proj_up, up.i_idle_ka.to_numpy(float),
                       up.i_base_ka.to_numpy())
        rows.append(violation_rows(
            "C7", CheckStatus.WARN, frame=up, margin_unit=MarginUnit.FRACTION,
            scenario=up.scenario.to_numpy(),
            fault_bus=up.fault_bus_name.to_numpy(), fault_type=up.fault_type.to_numpy(),
            case=up.case.to_numpy(), device=up.device.to_numpy(),
            i_device_a=1000.0 * np.where(eq_up, up.i_idle_ka.to_numpy(float),
                                         up.i_max_ka.to_numpy()),
            i_other_a=1000.0 * ref, margin=frac - np.where(eq_up, rise_eq[is_up], rise),
            limit=frac, tolerance=0.0, mechanism=LEVEL_CHANGE, message=msgs))
        if eq_up.any() or proj_up.any():  # kept by the attribution: the project's
            # equipment alone crosses it, or the project as a whole (equipment + chargers)
            rows[-1]["attribution"] = np.where(eq_up, EQUIPMENT, np.where(
                proj_up, PROJECT, "")).astype(object)
    return concat(rows)


