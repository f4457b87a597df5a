"""A V2G site's own transformer with no device of the study on it: said by ``validate``,
``run`` and the workbook's "Feeder warnings" sheet (reviews rev33b/rev33c, "silently
missing": IEEE 123's 2 MVA depot transformer ``depot_xf`` had no fuse or breaker in the study
and nothing said so).

The coordination checks say "no device at transformer X" once per step transformer with
faults of the study behind it (:mod:`protv2g.checks.beyond_transformer`, C1–C4: faults there
are the transformer fuse's, which the study does not hold). A site's own transformer
(``v2g_sites[].model_transformer``) has only its low-voltage site bus behind it, which is no
fault bus of the study, so that rule finds nothing to leave out and said nothing. Yet the
transformer comes with the V2G project, and a protection engineer expects it to have its own
primary fuse or breaker (IEEE Std C37.48 transformer fuses; its through-fault capability,
IEEE Std C57.109-2018): without one in the study, its secondary is not faulted and its
fuse's coordination with the feeder device above it (and its interrupting duty) is not
checked. The warning belongs to the study's inputs, not to a check: it is about what the
study file holds, is known before any fault is solved, and holds in every scenario.

Only the sites' own transformers: the feeder's other transformers with only low-voltage
buses behind them (IEEE 123's XFM1, the IEEE 8500's thousand service transformers) are the
utility's, and their fuses are left out as C5 leaves low voltage out (README, C1–C4).
"""

from __future__ import annotations

import math
from typing import Any

from protv2g.errors import Issue

__all__ = ["transformer_kva_kvs", "unguarded_site_transformer_rows",
           "unguarded_site_transformer_warnings"]


def transformer_kva_kvs(model: Any, element: str) -> tuple[float, tuple[float, ...]] | None:
    """(kVA of winding 1, each winding's kV line to line) of an OpenDSS transformer
    (``"transformer.depot_xf"`` or ``"depot_xf"``), read from the model's engine; None if
    unreadable."""
    dss = getattr(model, "engine", None)
    if dss is None:
        return None
    short = element.split(".", 1)[1] if element.lower().startswith("transformer.") else element
    try:
        dss.Transformers.Name(short)
        if dss.Transformers.Name().lower() != short.lower():
            return None
        kvs = []
        for w in range(int(dss.Transformers.NumWindings())):
            dss.Transformers.Wdg(w + 1)
            if w == 0:
                kva = float(dss.Transformers.kVA())
            kvs.append(float(dss.Transformers.kV()))
    except Exception:  # noqa: BLE001 - an element OpenDSS cannot show: no figures
        return None
    return (kva, tuple(kvs)) if kvs else None


def _rating(model: Any, element: str) -> tuple[float, float] | None:
    """(kVA, first winding kV line to line) of an OpenDSS transformer; None if unreadable."""
    got = transformer_kva_kvs(model, element)
    if got is None:
        return None
    kva, kv = got[0], got[1][0]
    return (kva, kv) if kva > 0 and kv > 0 else None


def unguarded_site_transformer_warnings(study: Any) -> list[Issue]:
    """One warning per site ``model_transformer`` no study device sits on (module docstring):
    the file, the field ``v2g_sites[i].model_transformer`` of the first site naming it, what
    is not judged, and the fix (a device with ``location: {trafo: NAME, side: hv}``). Empty
    without an OpenDSS model or such a transformer."""
    if getattr(study, "model", None) is None:  # before the OpenDSS-side import (#21)
        return []
    from protv2g.study.dss_site_transformers import on_element, site_transformer_names

    doc = study.document
    names = site_transformer_names(doc)
    if not names:
        return []
    sites = getattr(study, "device_sites", None) or {}
    out = []
    for element in names:
        if any(on_element(s, element) for s in sites.values()):
            continue
        i, site = next((i, s) for i, s in enumerate(doc.v2g_sites)
                       if str(getattr(s, "model_transformer", "") or "").lower()
                       in (element, element.split(".", 1)[1]))
        short = str(site.model_transformer)
        if short.lower().startswith("transformer."):
            short = short.split(".", 1)[1]
        rating = _rating(study.model, element)
        size = ""
        if rating is not None:
            kva, kv = rating
            size = (f" ({kva / 1e3:g} MVA, full load {kva / (math.sqrt(3) * kv):.0f} A at "
                    f"{kv:g} kV)")
        users = [s.name for s in doc.v2g_sites
                 if str(getattr(s, "model_transformer", "") or "").lower()
                 in (element, element.split(".", 1)[1])]
        out.append(Issue(
            str(study.path), f"v2g_sites[{i}].model_transformer",
            f"no device at transformer {short}{size}, the own transformer of site(s) "
            f"{', '.join(users)} that comes with the V2G project: no fuse or breaker of the "
            "study sits on it, so its secondary is not faulted and its protection is not "
            "checked (coordination with the feeder device above it, interrupting duty, its "
            "through-fault curve, IEEE Std C57.109-2018); the coordination checks' 'no "
            "device at transformer' rows do not cover it (only the site's low-voltage bus "
            "is behind it, no fault bus of the study)",
            f"model its primary fuse or breaker: devices: - {{name: F-{short}, kind: fuse, "
            f"location: {{trafo: {short}, side: hv}}, link: <the link the project specifies, "
            "IEEE Std C37.48>, interrupting_rating_ka: <its cutout's>} (docs/study-file.md, "
            "\"A site's own transformer on an OpenDSS feeder\")"))
    return out


def unguarded_site_transformer_rows(study: Any, warnings: Any) -> Any:
    """``warnings`` (the study's feeder warnings table: ``element, name, what, action``, or
    None) with a row per :func:`unguarded_site_transformer_warnings` issue, for the
    workbook's "Feeder warnings" sheet."""
    from protv2g.errors import with_issue_rows

    return with_issue_rows(warnings, unguarded_site_transformer_warnings(study), "transformer")
