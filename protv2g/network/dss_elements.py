"""Elements of a compiled OpenDSS circuit as protv2g needs them (for :mod:`.dss_model`).

Every element's class, enabled state, buses and node references; the primitive admittance and
conductor → node map of the elements protv2g evaluates (devices' measured elements, loads and
shunts the IEC 60909 method takes out, lines for the end temperature, synchronous machines with
their reactances); the model's protective devices and what each one measures. All of it read
from OpenDSS (``opendssdirect.py``); nothing re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.errors import InputError, Issue

__all__ = ["ElementY", "Machine", "SOURCE_CLASSES", "element_table", "element_y", "shunts",
           "machines", "devices"]

#: Element classes that are sources of a fault current behind an impedance in OpenDSS's fault
#: study (their nodes energise an island).
SOURCE_CLASSES = ("vsource", "generator", "indmach012")
@dataclass(frozen=True)
class ElementY:
    """One element's primitive admittance and where its conductors land.

    Attributes
    ----------
    name : str
        ``class.name`` in lower case, e.g. ``"line.l1"``.
    buses : tuple of str
        Bus name of each terminal.
    node : numpy.ndarray
        ``(k,)`` int: index of each conductor's node in :attr:`DssModel.node_names`; ``-1`` =
        ground (OpenDSS node 0).
    node_num : numpy.ndarray
        ``(k,)`` OpenDSS node number of each conductor (1, 2, 3 phases; 0 ground; ≥ 4 others).
    terminal : numpy.ndarray
        ``(k,)`` terminal (1-based) of each conductor.
    yprim_s : numpy.ndarray
        ``(k, k)`` complex primitive admittance, S (OpenDSS ``CktElement.YPrim``).
    """

    name: str
    buses: tuple[str, ...]
    node: np.ndarray
    node_num: np.ndarray
    terminal: np.ndarray
    yprim_s: np.ndarray


@dataclass(frozen=True)
class Machine:
    """A synchronous generator in OpenDSS's fault study (behind ``Xdp``).

    ``xdp_pu`` / ``xdpp_pu`` are the transient / subtransient reactances on the machine rating.
    """

    element: ElementY
    xdp_pu: float
    xdpp_pu: float


def element_table(dss) -> tuple[pd.DataFrame, np.ndarray]:  # noqa: ANN001
    """Every element (name, class, enabled, buses, node refs) and the source nodes."""
    rows, src = [], []
    for full in dss.Circuit.AllElementNames():
        dss.Circuit.SetActiveElement(full)
        cls, _, name = full.partition(".")
        enabled = bool(dss.CktElement.Enabled())
        buses = tuple(b.split(".", 1)[0].lower() for b in dss.CktElement.BusNames())
        refs: list[int] = []
        if enabled:
            try:
                refs = [r for r in dss.CktElement.NodeRef() if r > 0]
            except Exception:  # noqa: BLE001 - element not in the solved circuit
                refs = []
        if enabled and cls.lower() in SOURCE_CLASSES:
            src += refs
        rows.append((f"{cls.lower()}.{name.lower()}", cls.lower(), enabled, buses, refs))
    frame = pd.DataFrame(rows, columns=["name", "cls", "enabled", "buses", "refs"])
    return frame, np.unique(np.asarray(src, dtype=np.int64) - 1)


def element_y(dss, name: str, where: str) -> ElementY:  # noqa: ANN001
    try:
        dss.Circuit.SetActiveElement(name)
        ok = dss.CktElement.Name().lower() == name.lower() and dss.CktElement.Enabled()
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        raise InputError(Issue(where, name, "no such enabled element in the model",
                               "name an element as 'class.name' (e.g. line.l1) that the "
                               "model defines and enables"))
    n_cond = dss.CktElement.NumConductors()
    refs = np.asarray(dss.CktElement.NodeRef(), dtype=np.int64)
    nums = np.asarray(dss.CktElement.NodeOrder(), dtype=np.int64)
    y = np.asarray(dss.CktElement.YPrim(), dtype=float)
    k = len(refs)
    yprim = (y[0::2] + 1j * y[1::2]).reshape(k, k)
    return ElementY(name=name.lower(),
                    buses=tuple(b.split(".", 1)[0].lower() for b in dss.CktElement.BusNames()),
                    node=refs - 1, node_num=nums, terminal=np.arange(k) // n_cond + 1,
                    yprim_s=yprim)


def shunts(dss, elements: pd.DataFrame, where: str) -> tuple[ElementY, ...]:  # noqa: ANN001
    """Loads, and capacitors/reactors from phase conductors to ground (IEC 60909 drops them)."""
    out = []
    pick = elements[elements.enabled & elements.cls.isin(["load", "capacitor", "reactor"])]
    for name, cls in zip(pick.name, pick.cls, strict=True):
        e = element_y(dss, name, where)
        if cls != "load":
            to_ground = e.terminal.max() == 1 or np.all(e.node[e.terminal == 2] < 0)
            on_phases = np.all((e.node_num[e.terminal == 1] >= 1)
                               & (e.node_num[e.terminal == 1] <= 3))
            if not (to_ground and on_phases):
                continue  # series element, or a neutral grounding reactor: part of the network
        out.append(e)
    return tuple(out)


def machines(dss, where: str) -> tuple[Machine, ...]:  # noqa: ANN001
    out = []
    for name in dss.Generators.AllNames() if dss.Generators.Count() else []:
        full = f"generator.{name.lower()}"
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled():
            continue
        values = []
        for prop in ("xdp", "xdpp"):
            dss.Text.Command(f"? {full}.{prop}")
            values.append(float(dss.Text.Result()))
        out.append(Machine(element=element_y(dss, full, where), xdp_pu=values[0],
                           xdpp_pu=values[1]))
    return tuple(out)


def devices(dss) -> pd.DataFrame:  # noqa: ANN001
    """The model's protective devices and the element terminal each one measures."""
    rows = []
    for kind, api in (("fuse", dss.Fuses), ("recloser", dss.Reclosers), ("relay", dss.Relays),
                      ("swtcontrol", None)):
        if api is None:
            dss.Circuit.SetActiveClass("SwtControl")
            for name in dss.ActiveClass.AllNames():
                dss.Text.Command(f"? swtcontrol.{name}.SwitchedObj")
                element = dss.Text.Result().lower()
                dss.Text.Command(f"? swtcontrol.{name}.SwitchedTerm")
                term = int(float(dss.Text.Result() or 1))
                dss.Circuit.SetActiveElement(f"swtcontrol.{name}")
                rows.append((f"swtcontrol.{name.lower()}", kind, element, term,
                             bool(dss.CktElement.Enabled())))
            continue
        for name in api.AllNames() if api.Count() else []:
            api.Name(name)  # activates disabled devices too (First/Next skip them)
            element, term = api.MonitoredObj().lower(), int(api.MonitoredTerm())
            dss.Circuit.SetActiveElement(f"{kind}.{name}")
            rows.append((f"{kind}.{name.lower()}", kind, element, term,
                         bool(dss.CktElement.Enabled())))
    return pd.DataFrame(rows, columns=["name", "kind", "element", "terminal", "enabled"])
