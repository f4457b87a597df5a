"""Lines of an OpenDSS model named like fuses with no ``Fuse`` element on them.

Utility models often draw a fuse as a short line or switch and leave out the ``Fuse`` (review
s20: EPRI ckt5's 95 ``*FUSE`` lines). ``protv2g init`` drafts a study fuse on each
(:mod:`protv2g.study_draft.fuse_draft`; a TODO note lists those it could not,
:mod:`protv2g.study_draft.notes`); a study reads the ones left without a device through
:attr:`protv2g.study.loader.Study.unmodelled_fuse_lines` — the study's own devices taken out —
so that C5 can say a bus of a device's primary zone lies behind one (review rev30 §4: on ckt5
8 of the head relay's 9 failing buses lie behind ``line.mdv201_103746fuse``, in the field
that fuse's zone). The name is read here, once, not by the checks.
"""

from __future__ import annotations

from protv2g.network.dss_model import DssModel

__all__ = ["fuse_named_lines"]


def fuse_named_lines(model: DssModel) -> list[str]:
    """Enabled primary lines whose name says fuse (``…FUSE…``, any case) with no ``Fuse``
    element monitoring them, ``line.<name>`` in the model's order (module docstring).

    A line with a secondary (≤ 1 kV, :data:`~protv2g.network.dss_model.PRIMARY_KV_LL`) end is
    no cutout: ckt5 names its 240 V service drops after the transformer, itself named after
    its fuse (``S_MDV201_1144240FUSE-1A0``: 15 of the 110 names, leaving the 95 review s20
    counted)."""
    e = model.elements
    named = e[(e.cls == "line") & e.enabled.astype(bool)
              & e.name.str.contains("fuse", case=False, regex=False)]
    if named.empty:
        return []
    d = model.devices
    watched = set(d.element[d.kind == "fuse"].astype(str).str.lower()) if len(d) else set()
    primary = model.buses.primary.to_numpy(bool)
    return [str(n) for n, buses in zip(named.name, named.buses, strict=True)
            if str(n).lower() not in watched and "~" not in str(n)
            and bool(primary[model.bus_index(list(buses))].all())]
