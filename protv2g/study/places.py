"""Where a study's devices sit, and the checks of a study document that need no feeder.

Shared by the pandapower branch of the loader (:mod:`protv2g.study.loader`) and its OpenDSS
branch (:mod:`protv2g.study.opendss_feeder`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from protv2g.devices.library import Curve, CurveLibrary
from protv2g.errors import Issue
from protv2g.study.curves import curve_name_issues, study_library
from protv2g.study.schema import StudyDocument

__all__ = ["DeviceSite", "document_issues", "library_and_document_issues"]


@dataclass(frozen=True)
class DeviceSite:
    """Where a device measures: ``bus`` is one end of ``element``; forward = from bus into it.

    On a pandapower net ``element_index`` is the row of ``net.line``/``net.trafo`` and the buses
    are net bus indices. On an OpenDSS model (:class:`~protv2g.network.dss_model.DssModel`)
    ``element_index`` is the element's row in ``model.elements``, the buses are positions in
    ``model.buses``, and ``element_name``/``terminal`` name the OpenDSS element and terminal
    (``"line.l1"``, 1).

    On a study with close-in positions
    (:func:`protv2g.network.fault_positions.with_close_in_positions`) a device on a
    transformer keeps ``element`` ``"trafo"`` and its ``element_index`` (the
    transformer it guards), ``far_bus`` is its close-in bus (the stub's other end, the
    transformer's terminal moved there) and on a pandapower net ``stub_line`` is the stub's
    ``net.line`` row, where the engine measures the device's current (on an OpenDSS model
    ``DssModel.element_y(element_name, terminal)`` returns the stub); ``-1`` otherwise.

    ``phases``: the phases the device carries (``"abc"``; on an OpenDSS model its terminal's
    phase conductors, :func:`protv2g.network.dss_elements.terminal_phases` — IEEE 13's FU-611
    on the 1-phase line 684611 is ``"c"``, though its bus 684 has a and c).
    """

    element: Literal["line", "trafo"]
    element_index: int
    bus: int
    far_bus: int
    element_name: str = ""
    terminal: int = 1
    stub_line: int = -1
    phases: str = "abc"


def document_issues(document: StudyDocument, file: str) -> list[Issue]:
    """Duplicate names, single-phase sites without a phase or behind an interconnection
    transformer whose low-voltage winding has no grounded neutral, export levels above a
    site's nameplate — everything checkable without the feeder."""
    issues = []
    for kind, names in (("devices", [d.name for d in document.devices]),
                        ("v2g_sites", [s.name for s in document.v2g_sites])):
        for name, count in Counter(names).items():
            if count > 1:
                issues.append(Issue(file, kind, f"name {name!r} is used {count} times",
                                    "give every entry a unique name"))
    for i, site in enumerate(document.v2g_sites):
        if site.phases == 1 and site.phase is None:
            issues.append(Issue(file, f"v2g_sites[{i}].phase", "a single-phase site needs its "
                                "phase", "add 'phase: a', 'b' or 'c'"))
        tr = site.interconnection_transformer
        if site.phases == 1 and tr is not None and not tr.connection.endswith("yn"):
            issues.append(Issue(
                file, f"v2g_sites[{i}].phases",
                f"a single-phase site behind its {tr.connection} interconnection transformer: "
                "the low-voltage winding is delta or an ungrounded wye (a 3-wire bus, no "
                "neutral), and a single-phase site is line to neutral (in the fault engine and "
                "the flow)", "make the site three-phase (a 3-wire converter), or give the "
                "transformer a grounded-wye low-voltage winding (connection Dyn, YNyn or Yyn)"))
        levels = document.export_levels_kw(site)
        too_high = [p for p in levels if p > site.p_max_kw * (1 + 1e-9)]
        if too_high:
            issues.append(Issue(file, "scenarios.export_levels_kw",
                                f"{too_high} kW exceed the maximum of site {site.name!r}, "
                                f"{site.p_max_kw:g} kW (n_chargers × p_charger_kw); the "
                                "levels apply to every site",
                                "give scenarios.export_levels_fraction instead (e.g. [0, "
                                "0.5, 1.0]: each site's own maximum × the fraction), lower "
                                "export_levels_kw to at most "
                                f"{site.p_max_kw:g} kW, or add chargers at {site.name!r}"))
    return issues


def library_and_document_issues(document: StudyDocument, path: Path,
                                extra_curves: Sequence[Curve] = ()
                                ) -> tuple[CurveLibrary | None, list[Issue]]:
    """The study's curve library and every issue found without the feeder.

    Parameters
    ----------
    document : StudyDocument
    path : Path
        The study file (its folder holds the ``library`` folders).
    extra_curves : sequence of Curve
        Curves added to the library (an OpenDSS model's own TCC tables).

    Returns
    -------
    tuple of (CurveLibrary or None, list of Issue)
        The library (None when a ``library`` folder cannot be loaded) and the issues of its
        folders, of the devices' curve names (when it loaded) and :func:`document_issues`.
    """
    file = str(path)
    library, issues = study_library(document, path.parent, file)
    if library is not None and extra_curves:
        library = CurveLibrary([*library, *extra_curves])
    if library is not None:
        issues.extend(curve_name_issues(document, library, file))
    issues.extend(document_issues(document, file))
    return library, issues
