"""What ``protv2g init`` read from the model that the engineer must know, said where the draft
is read: as comments of the study file (TODO where a value needs confirming) and on init's
output, alike lines grouped (review s17 §3.4, 3.10, §5: init dropped every one of these).

Sources of the notes (columns ``element, name, what, action`` throughout):

* the model's compile (:attr:`DssModel.warnings`: script lines not run, faults disabled,
  disabled or de-energised elements);
* the rows the run's Feeder warnings repeat, one text for both
  (:func:`protv2g.study.model_notes.model_warning_rows`): the feeder graph (opened terminals,
  a further ``Vsource``), no loads, and the device import
  (:func:`protv2g.network.dss_devices.model_device_dicts`: devices the model disables and the
  study adopts, a voltage relay dropped, no ground curves);
* the adoption (:func:`protv2g.study.opendss_devices.adopt_model_devices`: the fuse model
  swapped for the EEI-NEMA link — with the opening times that differ at the fault currents
  computed at the fuse —, the recloser's ``Delay`` against the library curve's mechanism time);

A note is a TODO (``protv2g validate`` lists it) when the study uses a value the model did not
give, or the model's value needs confirming: an adopted device the model disables, a fuse
model swapped, a recloser clearing faster than its library curve's mechanism time, a further
``Vsource``, no loads. The others are plain comments.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.devices.library import CurveLibrary
from protv2g.devices.models import build_device
from protv2g.network.dss_fuse_named import fuse_named_lines
from protv2g.network.dss_graph import opened_sources
from protv2g.network.dss_model import DssModel
from protv2g.network.opendss_devices import DISABLED_WHAT, NO_GROUND_WHAT
from protv2g.study.model_notes import (
    DISABLED_FIX,
    NO_LOAD_FIX,
    NO_LOAD_WHAT,
    OPEN_SOURCE_FIX,
    VSOURCE_FIX,
    model_device_names,
    model_warning_rows,
)
from protv2g.study.opendss_devices import CONFIRM_WHATS, FUSE_SWAP_WHAT

__all__ = ["Note", "NO_GROUND_WHAT", "NO_GROUND_FIX", "model_notes", "note_lines",
           "fuse_swap_times", "with_fuse_times", "fuse_named_lines", "FUSE_NAMED_FIX",
           "NO_LOAD_WHAT"]

#: The fix of the import's note on a recloser with no ground curves (``NO_GROUND_WHAT``): a
#: TODO (review s22: a plain note, while the device's ground-fault rows rest on it).
NO_GROUND_FIX = ("give the device's ground element (ground pickup and curves) if it has one, "
                 "or confirm it has none (ground faults then rely on the phase element)")
#: Names listed on one printed line before "and N more".
NAMES_SHOWN = 6
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Note:
    """One thing the draft says about the model.

    Attributes
    ----------
    name : str
        The element (``transformer.tg``) or study device (``a``) it is about.
    what, action : str
        What the model has, what the study does with it.
    fix : str
        What the engineer should do: a note with one is a TODO of the study file.
    device : str
        The study device it belongs to ("" for the model as a whole).
    """

    name: str
    what: str
    action: str
    fix: str = ""
    device: str = ""

    @property
    def todo(self) -> bool:
        """The engineer must confirm it (a TODO of the study file)."""
        return bool(self.fix)

    def __str__(self) -> str:
        return f"{self.name}: {self.what} → {self.action}"


def _open_fix(model: DssModel, name: str) -> str:
    """:data:`OPEN_SOURCE_FIX` for the opened element ``name``, with its open terminal."""
    from protv2g.network.dss_graph import _open_terminals

    e = model.elements
    n = len(e.buses[e.name == name].iat[0]) if (e.name == name).any() else 0
    terms = _open_terminals(model.engine, name, n) or [2]
    return OPEN_SOURCE_FIX.format(element=name, terminal=terms[0])


def model_notes(model: DssModel, import_warnings: pd.DataFrame,
                adopt_warnings: pd.DataFrame, adopted: set[str],
                drafted_fuses: Sequence[str] = (), not_drafted: Sequence[str] = ()
                ) -> list[Note]:
    """Every note of the draft, model-wide ones first, then the devices' in import order.

    The model's compile warnings, then the rows the run's Feeder warnings repeat
    (:func:`protv2g.study.model_notes.model_warning_rows`: one text for both, review s17
    §3.10), then the adoption's.

    Parameters
    ----------
    import_warnings, adopt_warnings : DataFrame
        ``element, name, what, action`` rows (module docstring).
    adopted : set of str
        Names of the study devices adopted from the model.
    drafted_fuses : sequence of str
        The fuse-named lines (``line.<name>``) on which the draft put a study fuse
        (:mod:`.fuse_draft`): one plain note for them; the other fuse-named lines keep the TODO
        (:data:`FUSE_NAMED_FIX`).
    not_drafted : sequence of str
        Why a fuse-named line got no fuse (``"line.x: …"``), said in that TODO.
    """
    out = [Note(str(r.name), str(r.what), str(r.action))
           for r in model.warnings.itertuples(index=False)]
    cut = opened_sources(model)  # an open terminal that keeps a source off the feeder
    for r in model_warning_rows(model, import_warnings, adopted).itertuples(index=False):
        dev = model_device_names(str(r.name))
        dev = dev if dev in adopted else ""
        fix = (_open_fix(model, str(r.name)) if str(r.name) in cut
               else VSOURCE_FIX if r.element == "vsource" else NO_LOAD_FIX
               if r.what == NO_LOAD_WHAT else DISABLED_FIX
               if dev and r.what == DISABLED_WHAT else NO_GROUND_FIX
               if dev and r.what == NO_GROUND_WHAT else "")
        out.append(Note(str(r.name).lower(), str(r.what), str(r.action), fix, dev))
    for r in adopt_warnings.itertuples(index=False):
        dev = str(r.name) if str(r.name) in adopted else ""
        what = str(r.what)
        fix = "" if not what.startswith(CONFIRM_WHATS) else (
            "confirm the link (type and rating), or give the fuse's own curve in a curve "
            "file" if what.startswith(FUSE_SWAP_WHAT) else
            "give the recloser's clearing time (fast_adder_s / delayed_adder_s)")
        out.append(Note(str(r.name), what, str(r.action), fix, dev))
    named = fuse_named_lines(model)
    done = set(drafted_fuses)
    if done:
        shown = _shown([n for n in named if n in done])
        out.append(Note("model", f"{len(done)} line(s) named like fuses ({shown}) with no "
                        "Fuse element on them", "a study fuse drafted on each "
                        "(f-<line>: link by the stated load and series rule, cutout rating, "
                        "each a TODO on the device)"))
    unfused = [n for n in named if n not in done]
    if unfused:
        why = f" ({'; '.join(not_drafted)})" if not_drafted and done else ""
        out.append(Note("model", f"{len(unfused)} line(s) named like fuses ({_shown(unfused)}) "
                        "with no Fuse element on them", "no fuse there in the study" + why
                        + ": C1–C4 judge only the modelled devices, and a site behind such a "
                        "line counts as behind the next device upstream", FUSE_NAMED_FIX))
    return out


def _shown(names: Sequence[str]) -> str:
    """The first :data:`NAMES_SHOWN` names, then "and N more"."""
    return ", ".join(names[:NAMES_SHOWN]) + (
        f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


#: The fix of :data:`fuse_named_lines`' note.
FUSE_NAMED_FIX = ("add the fuses to the model (New Fuse.<name> MonitoredObj=Line.<line> "
                  "FuseCurve=… RatedCurrent=…) or as study devices (kind: fuse, location: "
                  "{line: <line>}, link: <e.g. 65K>), or confirm they are not fuses")


def fuse_swap_times(link_curve: dict, rating_a: float, link: str, library: CurveLibrary,
                    currents_a: dict[str, float]) -> str:
    """The opening times of the model's fuse and of the study's link at the given currents.

    OpenDSS opens a fuse at its TCC_Curve's time at ``I / RatedCurrent`` (log-log
    interpolation between the points; no operation below the first, the last time beyond
    the last — OpenDSS ``TTCC_CurveObj.GetTCCTime``); the study's link melts at its minimum
    melting time and clears at its total clearing time.

    Parameters
    ----------
    link_curve : dict
        The model's curve (``c_array``, ``t_array_s``).
    currents_a : dict
        label → fault current through the fuse, A.
    """
    c = np.log(np.asarray(link_curve["c_array"], float))
    t = np.log(np.asarray(link_curve["t_array_s"], float))
    fuse = build_device("fuse", {"name": "swap", "link": link}, library)
    parts = []
    for label, i_a in currents_a.items():
        if not np.isfinite(i_a) or i_a <= 0.0:
            continue
        m = np.log(i_a / rating_a)
        t_dss = float(np.exp(np.interp(m, c, t))) if m > c[0] else np.inf
        mm = float(np.asarray(fuse.min_melt_time_s(np.array([i_a])))[0])
        tc = float(np.asarray(fuse.total_clear_time_s(np.array([i_a])))[0])
        parts.append(f"at {i_a:.0f} A ({label}) the model's curve opens in {_t(t_dss)}, "
                     f"{link} melts in {_t(mm)} and clears in {_t(tc)}")
    return "; ".join(parts)


def with_fuse_times(notes: list[Note], dicts: list[dict], curves: list[dict],
                    entries: list[dict], table: pd.DataFrame, library: CurveLibrary
                    ) -> list[Note]:
    """The fuse-swap notes with the opening times that differ, at the largest fault current
    through the fuse (IEC 60909 max) and the smallest (min case, faults it carries)."""
    specs = {str(c["name"]).casefold(): c for c in curves}
    raw = {str(d["name"]): d for d in dicts}
    links = {e["name"]: e.get("link") for e in entries}
    out = []
    for n in notes:
        spec = specs.get(str(raw.get(n.device, {}).get("link", "")).casefold())
        if not (n.todo and n.what.startswith(FUSE_SWAP_WHAT) and spec is not None):
            out.append(n)
            continue
        rows = table[(table.device == n.device) & table.energized]
        i_a = 1e3 * rows[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1)
        mx, mn = i_a[rows.case == "max"], i_a[rows.case == "min"]
        currents = {"max fault": float(mx.max()) if len(mx) else np.nan,
                    "min fault": float(mn[mn > 0].min()) if (mn > 0).any() else np.nan}
        times = fuse_swap_times(spec, float(raw[n.device]["rating_a"]), links[n.device],
                                library, currents)
        out.append(dataclasses.replace(n, action=f"{n.action}; {times}" if times else n.action))
    return out


def _t(t_s: float) -> str:
    return "— (below its curve)" if not np.isfinite(t_s) else f"{t_s:.3g} s"


def note_lines(notes: list[Note]) -> list[str]:
    """The notes as printed: notes alike but for the element and numbers (the same ``what``
    and ``action`` once numbers are set aside) are one line — their names, then the first's
    text, with "other values" when their numbers differ — as
    :func:`protv2g.cli.todo_lines` groups alike TODOs; the rest one line each, in order.
    A swapped fuse model is grouped by its whole ``what`` (the model's curve and rating: the
    link it becomes), so each line names the link of every fuse on it (review rev44b M3:
    "fla, flb, flcc: … klink at 40 A → the EEI-NEMA 40K link" for fuses of 40, 30 and 15 A)."""
    groups: dict[tuple[str, str], list[Note]] = {}
    for n in notes:
        what = n.what if n.what.startswith(FUSE_SWAP_WHAT) else _NUMBER.sub("#", n.what)
        groups.setdefault((what, _NUMBER.sub("#", n.action)), []).append(n)
    out = []
    for group in groups.values():
        first = group[0]
        names = list(dict.fromkeys(n.name for n in group))
        names = ", ".join(names[:NAMES_SHOWN]) + (
            f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")
        same = all((n.what, n.action) == (first.what, first.action) for n in group)
        more = "" if same else " (the others with other values)"
        out.append(f"{names}: {first.what} → {first.action}{more}")
    return out
