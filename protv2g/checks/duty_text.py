"""C7's message texts: the symmetrical current with its IEC parts, the rating basis the duty
is on, and the note on a ground fault in a scenario that builds sites' grounded-wye
transformers, and the fault-level change the project's equipment makes by itself or the
project as a whole. :func:`protv2g.checks.duty.check_duty` writes them into its rows; the figures
and their sources are described in :mod:`protv2g.checks.duty`.
"""

from __future__ import annotations

from typing import Any

from protv2g.checks._common import CheckContext
from protv2g.checks.reach_text import built_grounded
from protv2g.study.dss_site_transformers import transformer_3i0_note

#: What C7's "the largest fault current through <device>" is, and where it stands (review
#: ver39 / fix40c, IEEE 34 F-818: the finding's 0.3349 kA (+16.1 %) is F-818's own phase
#: current, the Device duty sheet's I max; the Fault currents sheet's f-818 close-in SLG-a is
#: the bus total, 0.3246 kA phasor / 0.3487 kA IEC sum, which adds the 15 A the homes' site
#: behind F-818 feeds into the fault without passing through it).
THROUGH_NOTE = ("the current it carries: the Device duty sheet's I max, not the bus total of "
                "the Fault currents sheet")


def through_text(device: str) -> str:
    """``"through F-818 (the current it carries, …)"``: the device's own current named with
    the sheet that lists it (:data:`THROUGH_NOTE`)."""
    return f"through {device} ({THROUGH_NOTE})"


def _sym_text(r: Any) -> str:
    """The symmetrical current and, on the IEC basis, its two parts."""
    if r.current_basis == "iec_sum" and r.i_converter_ka > 1e-6:
        conv = "existing DER and chargers" if hasattr(r, "ia_grid_ka") else "chargers"
        return (f"{r.i_max_ka:.2f} kA symmetrical (IEC 60909 sum: network "
                f"{r.i_network_ka:.2f} + {conv} {r.i_converter_ka:.2f} kA; control-law "
                f"phasor {r.i_phasor_ka:.2f} kA)")
    return f"{r.i_max_ka:.2f} kA symmetrical"


def _phasor_note(r: Any, flag: float | None = None) -> str:
    """``"; IEC 60909 sum, control-law phasor 1.83 kA"`` of a row on the IEC sum and, given
    the fault-level ``flag`` (fraction), which basis drove the change over it: the IEC sum
    (chargers' part k × rated current added by magnitude) is the pessimistic end of the two
    (:mod:`protv2g.checks.duty`); where the phasor's rise stays under the flag, the warning
    rests on that end (review rev41c M4, depot F07: +16.7 % on the sum, +5.2 % on the
    phasor, flag 10 %)."""
    if r.current_basis != "iec_sum":
        return ""
    text = f"; IEC 60909 sum, control-law phasor {r.i_phasor_ka:.2f} kA"
    ref = float(r.i_idle_ka) if _idle_network(r) else float(getattr(r, "i_base_ka", "nan"))
    if flag is None or not ref > 0.0:
        return text
    rise = float(r.i_phasor_ka) / ref - 1.0
    if rise > flag:
        return text + f": {rise:+.1%}, over the {flag:.0%} flag on both bases"
    return (text + f": {rise:+.1%}, under the {flag:.0%} flag — the pessimistic basis, the "
            "IEC sum, drove it")


def _basis_text(r: Any) -> str:
    if r.rating_basis == "asym":
        return f"asymmetrical rms {r.i_asym_ka:.2f} kA (first cycle, X/R {r.x_r:.1f})"
    if r.i_duty_ka > r.i_max_ka + 1e-9:
        return (f"{_sym_text(r)} at X/R {r.x_r:.1f} > {r.rating_x_r:g} of the "
                f"rating: {r.i_duty_ka:.2f} kA equivalent")
    return f"{_sym_text(r)} at X/R {r.x_r:.1f} ≤ {r.rating_x_r:g}"


def _xf_note(ctx: CheckContext, r: Any) -> str:
    """For a ground fault in a scenario that builds sites' grounded-wye transformers
    (:func:`~protv2g.checks.reach_text.built_grounded`): ``"; depot's transformer depot_xf
    (YNd) feeds 3I0 into ground faults, with the chargers idle too (a zero-sequence source
    that comes with the project: part of V2G's change)"`` — C5's and C6's naming (review
    rev33b W3: IEEE 123's F-3 "+19 %" was the depot transformer's, +0.2 % the chargers')."""
    if not str(r.fault_type).startswith(("SLG", "LLG")):
        return ""
    labels = built_grounded(ctx, str(r.scenario))
    if not labels:
        return ""
    if _idle_network(r):  # the network part is the chargers-idle solve (rev37b F2)
        return (f"; {transformer_3i0_note(labels)} (a zero-sequence source that comes with "
                "the project: in the network's part here, every charger idle)")
    return (f"; {transformer_3i0_note(labels)} (a zero-sequence source that comes with the "
            "project: part of V2G's change)")


def _idle_network(r: Any) -> bool:
    """Whether a duty row's network part is the chargers-idle solve of a model with the
    sites' own equipment (its group's ``i_idle_ka`` given, :func:`~protv2g.checks.
    duty_rows.worst_rows`)."""
    v = getattr(r, "i_idle_ka", None)
    try:
        return v is not None and bool(v == v) and float(v) >= 0.0
    except (TypeError, ValueError):
        return False


def _idle_change_text(ctx: CheckContext, r: Any, rise_v2g: float, rise_eq: float) -> str:
    """The fault-level change of a row with a chargers-idle network (``i_idle_ka``, review
    rev37b F2) split into its two causes: ``"; from 0.29 kA without the project to 0.31 kA
    with every charger idle and depot's transformer depot_xf (YNd) in (+6 %: the project's
    equipment, a zero-sequence source to ground faults), the chargers +8 %"``."""
    labels = built_grounded(ctx, str(r.scenario)) if str(r.fault_type).startswith(
        ("SLG", "LLG")) else []
    what = " and ".join(labels) if labels else "the sites' own equipment"
    source = ", a zero-sequence source to ground faults" if labels else ""
    return (f"; from {r.i_base_ka:.2f} kA without the project to {r.i_idle_ka:.2f} kA with "
            f"every charger idle and {what} in ({rise_eq:+.0%}: the project's "
            f"equipment{source}), the chargers {rise_v2g:+.0%}")


def project_change_text(ctx: CheckContext, r: Any, rise: float, rise_eq: float,
                         limit_ka: float, fraction: float) -> str:
    """The message of a fault-level change the project makes as a whole, each of its shares
    within the fraction (:func:`~protv2g.checks.duty_rows.project_change`, mix38)."""
    rise_v2g = r.i_max_ka / r.i_idle_ka - 1.0
    return (f"the project as a whole raises the largest fault current "
            f"{through_text(r.device)} by {rise:.0%} to {r.i_max_ka:.2f} kA symmetrical "
            f"(from {r.i_base_ka:.2f} kA, the largest without the project){_phasor_note(r)} "
            f"{ctx.export_text(r.scenario)}: "
            f"its equipment {rise_eq:+.0%} ({r.i_idle_ka:.2f} kA with every charger idle) and "
            f"its chargers {rise_v2g:+.0%} on top, each within "
            f"checks.v2g_change_fraction {fraction:.0%}, together over it — caused by the "
            f"project's equipment and V2G together; rating duty {r.i_duty_ka:.2f} kA = "
            f"{r.i_duty_ka / limit_ka:.0%} of its {r.rating_basis} rating {limit_ka:.2f} kA: "
            "confirm the device's rating against the project's duty")


def equipment_change_text(ctx: CheckContext, r: Any, rise_v2g: float, rise_eq: float,
                           limit_ka: float, grounded: dict[str, str]) -> str:
    """The message of a fault-level change the project's equipment makes by itself
    (:func:`change_shares`: with every charger idle beyond the fraction, the chargers'
    share within it)."""
    xf = " and ".join(sorted(set(grounded.values()))) or " and ".join(
        str(s.model_transformer) for s in getattr(ctx.study.document, "v2g_sites", [])
        if getattr(s, "model_transformer", None)) or "the sites' own transformers"
    return (f"the project's equipment ({xf}) raises the largest fault current "
            f"{through_text(r.device)} by {rise_eq:.0%} to {r.i_idle_ka:.2f} kA symmetrical "
            f"with every charger idle (from {r.i_base_ka:.2f} kA, the largest without the project) "
            f"{ctx.export_text(r.scenario)}; the chargers add {rise_v2g:+.0%} to "
            f"{r.i_max_ka:.2f} kA{_phasor_note(r)}; rating duty {r.i_duty_ka:.2f} kA = "
            f"{r.i_duty_ka / limit_ka:.0%} of its {r.rating_basis} rating {limit_ka:.2f} kA — "
            "remedy: the equipment (the transformer's connection on the feeder side, a "
            "neutral impedance) or the device's rating, not the chargers or their export")
