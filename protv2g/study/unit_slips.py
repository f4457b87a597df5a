"""Values a unit slip puts orders of magnitude off (review rev41b F1: amperes typed into a kA
field, kA into an ampere field, a cease time no IEEE 1547 unit has).

Each bound lies outside every value the field can hold on a distribution feeder. A study
file's device setting or fault resistance beyond one is a **problem** (:func:`unit_slip_errors`:
``validate`` and ``run`` stop with the file, the field and the likely value — review rev50b #4:
a 0.4 A pickup, kA typed for A, was a warning, and ``run`` then wrote a FAIL with 8 "caused by
V2G" findings resting on it, the workbook silent on the slip); a device adopted from the
OpenDSS model and a cease time above 2 s (a non-compliant unit one may study on purpose) stay
warnings (:func:`unit_slip_warnings`):

* ``interrupting_rating_ka`` above :data:`INTERRUPTING_MAX_KA` (200 kA): above every rating
  class protv2g drafts from — the largest medium-voltage breaker class 63 kA (IEEE C37.06,
  :data:`protv2g.study.source_check.I_SC_MAX_KA`) and the largest low-voltage frame 150 kA
  (IEC 60947-2, :data:`protv2g.study_draft.ratings.LV_RATING_CLASSES`); 12500 is amperes. C7
  would pass such a device on any fault.
* a relay's or recloser's pickup / minimum trip below :data:`PICKUP_MIN_A` (1 A primary): no
  distribution relay or recloser is set below it (the smallest hydraulic recloser coil is
  5 A, and a CT secondary setting of 0.5–1 A is the secondary, not the primary, ampere); 0.15
  is kA. The load-current bound already warns where a load is known; a feeder with no load
  gives none.
* ``faults.r_fault_min_ohm`` above :data:`R_FAULT_MAX_OHM` (1,000 Ω): the minimum-fault
  resistance overcurrent reach is judged at is of the order of 0–40 Ω (domain.md §2; IEEE Std
  C37.230-2020 §6 speaks of tens of ohms); a high-impedance fault of hundreds of ohms is beyond
  overcurrent protection altogether; 20,000 is mΩ or a typo.
* a site's ``cease_to_energize_s`` above :data:`CEASE_MAX_S` (2 s): IEEE Std 1547-2018 §8.1.2
  requires a DER to detect an unintentional island and cease to energize within 2 s; a longer
  time is not a compliant unit (C10 then judges reclosing on it, as given).
"""

from __future__ import annotations

from typing import Any

from protv2g.errors import Issue

__all__ = ["CEASE_MAX_S", "INTERRUPTING_MAX_KA", "PICKUP_MIN_A", "R_FAULT_MAX_OHM",
           "model_unit_slip_warnings", "unit_slip_errors", "unit_slip_warnings"]

#: Interrupting rating above every drafted class, kA (module docstring).
INTERRUPTING_MAX_KA = 200.0
#: Lowest plausible primary pickup or minimum trip of a relay or recloser, A.
PICKUP_MIN_A = 1.0
#: Highest plausible minimum-fault resistance, Ω.
R_FAULT_MAX_OHM = 1000.0
#: IEEE Std 1547-2018 §8.1.2: cease to energize within 2 s of an unintentional island, s.
CEASE_MAX_S = 2.0

#: The pickup fields a unit slip in kA would put below :data:`PICKUP_MIN_A`.
_PICKUPS = ("pickup_a", "ground_pickup_a", "inst_pickup_a", "ground_inst_pickup_a",
            "phase_min_trip_a", "ground_min_trip_a", "phase_inst_a", "ground_inst_a")


def _device_slips(device: Any, where: str, file: str) -> list[Issue]:
    """A device's interrupting rating above :data:`INTERRUPTING_MAX_KA` and pickups below
    :data:`PICKUP_MIN_A` (``where``: the device's field path)."""
    out = []
    label = f"device {device.name!r}"
    ka = getattr(device, "interrupting_rating_ka", None)
    if ka is not None and float(ka) > INTERRUPTING_MAX_KA:
        out.append(Issue(
            file, f"{where}.interrupting_rating_ka",
            f"{label}: interrupting rating {float(ka):,.0f} kA is above every distribution "
            f"rating ({INTERRUPTING_MAX_KA:g} kA; breakers to 63 kA, IEEE C37.06): C7 would "
            "pass it on any fault",
            f"give the rating in kA (amperes / 1000: {float(ka) / 1000:g} kA?)"))
    for key in _PICKUPS:
        value = getattr(device, key, None)
        if value is not None and float(value) < PICKUP_MIN_A:
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: {key} {float(value):g} A is below {PICKUP_MIN_A:g} A primary, "
                "below any distribution relay or recloser setting",
                f"give the setting in primary amperes (kA × 1000: {float(value) * 1000:g} "
                "A?; a CT secondary setting × the CT ratio)"))
    return out


def _fault_resistance_slip(document: Any, file: str) -> list[Issue]:
    r_ohm = float(getattr(document.faults, "r_fault_min_ohm", 0.0) or 0.0)
    if r_ohm <= R_FAULT_MAX_OHM:
        return []
    return [Issue(
        file, "faults.r_fault_min_ohm",
        f"minimum-fault resistance {r_ohm:,.0f} Ω is above {R_FAULT_MAX_OHM:,.0f} Ω: no "
        "overcurrent element reaches such a fault, and reach (C5) is judged at tens of ohms",
        "give the fault resistance in ohms (e.g. 20 Ω; mΩ / 1000)")]


def unit_slip_errors(document: Any, file: str, first_own: int = 0) -> list[Issue]:
    """The unit slips that stop a study (module docstring): the study file's own devices
    (``document.devices[first_own:]``; the ones before are adopted from the OpenDSS model,
    whose paths :func:`protv2g.study.issues.with_device_names` maps — the paths here index the
    merged list, ``devices[i]``) and the minimum-fault resistance.

    >>> from types import SimpleNamespace as N
    >>> doc = N(devices=[N(name="b", interrupting_rating_ka=12500.0, phase_min_trip_a=0.15)],
    ...         faults=N(r_fault_min_ohm=20.0), v2g_sites=[])
    >>> [w.field for w in unit_slip_errors(doc, "s.yaml")]
    ['devices[0].interrupting_rating_ka', 'devices[0].phase_min_trip_a']
    """
    out = []
    for i, device in enumerate(document.devices):
        if i >= first_own:
            out += _device_slips(device, f"devices[{i}]", file)
    return out + _fault_resistance_slip(document, file)


def unit_slip_warnings(document: Any, file: str, device_where: list[str],
                       n_model: int = 0) -> list[Issue]:
    """The unit-slip warnings of a study ``document`` (``file`` its path; ``device_where[i]``
    the field path of ``document.devices[i]``, as the other device warnings name it): the
    devices adopted from the OpenDSS model (the first ``n_model``; the file's own are
    :func:`unit_slip_errors`) and each site's cease time above :data:`CEASE_MAX_S`.

    >>> from types import SimpleNamespace as N
    >>> doc = N(devices=[N(name="b", interrupting_rating_ka=12500.0, phase_min_trip_a=0.15)],
    ...         faults=N(r_fault_min_ohm=20.0), v2g_sites=[N(name="d", cease_to_energize_s=9.0)])
    >>> [w.field for w in unit_slip_warnings(doc, "s.yaml", ["model (relay b)"], 1)]
    ['model (relay b).interrupting_rating_ka', 'model (relay b).phase_min_trip_a', \
'v2g_sites[0].cease_to_energize_s']
    """
    out = []
    for i, (device, where) in enumerate(zip(document.devices, device_where, strict=True)):
        if i < n_model:
            out += _device_slips(device, where, file)
    for i, site in enumerate(document.v2g_sites):
        cease = getattr(site, "cease_to_energize_s", None)
        if cease is not None and float(cease) > CEASE_MAX_S:
            out.append(Issue(
                file, f"v2g_sites[{i}].cease_to_energize_s",
                f"site {site.name!r}: cease-to-energise time {float(cease):g} s is above IEEE "
                f"Std 1547-2018 §8.1.2's {CEASE_MAX_S:g} s: not a compliant unit (C10 judges "
                "reclosing on it as given)",
                "give the chargers' anti-islanding clearing time in seconds (≤ 2 s), from the "
                "unit's certification"))
    return out


def model_unit_slip_warnings(model: Any, file: str, key: str = "feeder.opendss") -> list[Issue]:
    """The OpenDSS model's unit slips (a Generator's, Load's, PVSystem's or Storage's kV in
    volts, a machine's Xd″ or Xd′ in percent: :mod:`protv2g.network.dss_unit_slips`, review
    rev43b F2) as warnings of the study ``file`` whose feeder field ``key`` names the model."""
    slips = getattr(model, "unit_slips", None)
    if slips is None:
        return []
    return [Issue(file, f"{key} ({row.name}).{row.field}" if key else f"{row.name}.{row.field}",
                  row.what, row.action)
            for row in slips.itertuples()]
