"""Which fuse standard a study's fuse link belongs to, and what follows from it on its bus.

Two families of fuse links are in the library, for two kinds of network:

* **US distribution links** — EEI-NEMA K and T expulsion links (ANSI C37.43, in C37.42
  distribution cutouts, ``relay_library/fuse_links.yaml``): medium-voltage overhead laterals.
  Their cutouts' interrupting ratings are asymmetrical r.m.s. amperes at the test X/R (IEEE
  C37.41/C37.42), so a fuse's ``interrupting_rating_basis`` defaults to ``asym``.
* **IEC 60269 gG links** — low-voltage (≤ 1,000 V a.c., IEC 60269-1 §1) general-purpose
  fuse-links (NH, BS 88, D/D0; ``relay_library/fuse_gg.yaml``). Their rated breaking capacity
  is a prospective current, the r.m.s. value of its a.c. (symmetrical) component (IEC 60269-1,
  definitions of prospective current and breaking capacity, recalled), so a gG link's
  ``interrupting_rating_basis`` defaults to ``sym`` (:func:`with_iec_fuse_basis`); a value
  the study file gives is kept.

A US distribution link on a bus below 1 kV is not what a low-voltage (IEC-practice) feeder has
there (review rev36b: a 100K link on the European LV test feeder was accepted without a word),
and a gG link above 1 kV is outside its standard's scope: :func:`fuse_voltage_warnings` says
so, with the file, the device and the fix (validate and run print it).

References
----------
ANSI C37.43 / IEEE C37.41–C37.42 (K/T links, distribution cutouts); IEC 60269-1 (low-voltage
fuses: scope ≤ 1,000 V a.c., breaking capacity as a prospective symmetrical current).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from protv2g.errors import Issue
from protv2g.units import IEC_GG_STANDARD, DeviceKind

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.devices.library import Curve, CurveLibrary
    from protv2g.study.loader import Study
    from protv2g.study.schema import StudyDocument

__all__ = ["IEC_GG_STANDARD", "LOW_VOLTAGE_KV_LL", "is_iec_link", "is_us_distribution_link",
           "with_iec_fuse_basis", "fuse_voltage_warnings"]

#: Low voltage: ≤ 1 kV line-to-line (IEC 60269-1 scope; IEC 60038), the same bound as the
#: primary/secondary split of OpenDSS buses (:data:`protv2g.network.dss_model.PRIMARY_KV_LL`,
#: not imported: validate stays light).
LOW_VOLTAGE_KV_LL = 1.0
_US_LINK = re.compile(r"^[KT] link\b")


def is_iec_link(curve: Curve) -> bool:
    """True for an IEC 60269 fuse link (its ``standard`` starts with ``IEC 60269``)."""
    return str(curve.standard).startswith("IEC 60269")


def is_us_distribution_link(curve: Curve) -> bool:
    """True for an EEI-NEMA K or T link (``standard`` ``K link …`` / ``T link …``)."""
    return bool(_US_LINK.match(str(curve.standard)))


def with_iec_fuse_basis(document: StudyDocument, library: CurveLibrary) -> StudyDocument:
    """The document with ``interrupting_rating_basis: sym`` on every fuse whose link is an IEC
    60269 link and whose study entry does not give the basis (module docstring); the document
    itself when there is none.

    Example
    -------
    >>> doc = with_iec_fuse_basis(study.document, study.library)  # doctest: +SKIP
    """
    devices, changed = [], False
    for d in document.devices:
        if (d.kind is DeviceKind.FUSE and "interrupting_rating_basis" not in d.model_fields_set
                and d.link in library and is_iec_link(library.get(d.link))):
            # a tool default, not a given value: the field stays out of ``model_fields_set``
            # (the Inputs sheet's basis column reads it; model_copy would mark it set)
            d = type(d).model_construct(_fields_set=set(d.model_fields_set),
                                        **{**dict(d), "interrupting_rating_basis": "sym"})
            changed = True
        devices.append(d)
    return document.model_copy(update={"devices": tuple(devices)}) if changed else document


def _bus_kv_ll(study: Study, name: str) -> float:
    """Line-to-line base voltage (kV) of the bus a device measures at; nan when unknown."""
    site = study.device_sites.get(name)
    if site is None:
        return math.nan
    if getattr(study, "model", None) is not None:
        return float(study.model.buses.kv_ll.iat[site.bus])
    net = study.net
    if net is None or "vn_kv" not in net.bus.columns or site.bus not in net.bus.index:
        return math.nan
    return float(net.bus.vn_kv.at[site.bus])


def fuse_voltage_warnings(study: Study, device: Any, where: str, file: str) -> list[Issue]:
    """A US distribution link (K/T) on a bus below 1 kV, or an IEC 60269 link above 1 kV
    (module docstring): one :class:`~protv2g.errors.Issue` naming the file, the device's
    ``link`` field and the fix; empty otherwise or when the bus voltage is unknown."""
    if device.kind is not DeviceKind.FUSE or device.link not in study.library:
        return []
    curve = study.library.get(device.link)
    kv = _bus_kv_ll(study, device.name)
    if not math.isfinite(kv) or kv <= 0:
        return []
    label = f"device {device.name!r}"
    if is_us_distribution_link(curve) and kv <= LOW_VOLTAGE_KV_LL:
        gg = _nearest_gg(study.library, float(curve.rating_a or 0.0))
        return [Issue(
            file, f"{where}.link",
            f"{label}: link {device.link!r} is a US distribution expulsion link (EEI-NEMA "
            f"{curve.standard.split(',')[0]}, ANSI C37.43, for C37.42 medium-voltage cutouts) "
            f"on a {kv * 1000:.0f} V bus: a low-voltage feeder is protected by IEC 60269 fuses "
            "(gG: NH, BS 88, D/D0) or circuit-breakers, whose curves and breaking capacity "
            "(a prospective symmetrical current) differ from a K/T link's",
            f"give the gG link the feeder has, e.g. {where}.link: {gg} (library IEC 60269 gG "
            "16–630 A: `protv2g curves list`), or the maker's curve as a user file; keep the "
            "K/T link only if that is what is installed")]
    if is_iec_link(curve) and kv > LOW_VOLTAGE_KV_LL:
        return [Issue(
            file, f"{where}.link",
            f"{label}: link {device.link!r} is an IEC 60269 low-voltage fuse-link (≤ 1,000 V "
            f"a.c.) on a {kv:.3g} kV bus",
            "give the medium-voltage fuse the feeder has (a K or T link, or the maker's "
            "IEC 60282 curve as a user file), or move the device to the low-voltage bus")]
    return []


def _nearest_gg(library: CurveLibrary, rating_a: float) -> str:
    """The library's gG link nearest in rating (ratio) to ``rating_a``, e.g. ``100gG``."""
    links = [c for c in library if c.kind is DeviceKind.FUSE and str(c.standard) == IEC_GG_STANDARD
             and c.rating_a]
    if not links or not rating_a > 0:
        return "100gG"
    best = min(links, key=lambda c: abs(math.log(float(c.rating_a) / rating_a)))
    return best.name
