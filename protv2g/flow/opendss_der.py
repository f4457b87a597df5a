"""The existing DER of an OpenDSS feeder in a flow context, scaled step by step.

A flow step's ``der_fraction`` (:mod:`protv2g.flow.blocks`: 1 as the model sets it, 0 in C8's
charging snapshots, "existing DER off", the worst case for load current) scales every element
of the model that generates power in OpenDSS's snapshot power flow:

* ``PVSystem``: its ``Irradiance`` (output follows irradiance);
* ``Generator`` with ``kW`` > 0: its ``kW`` (OpenDSS: "a positive value denotes power coming
  OUT of the element"); a generator with ``kW`` < 0 takes power in, a load, and is left as it
  is (a load is never switched off for the worst case of load current);
* ``Storage`` discharging (``State`` 1): ``%Discharge`` scaled, idling (``State`` 0) at 0; a
  storage element charging (``State`` −1) is a load and is left as it is.

The V2G sites' generators (``protv2g_site_*``) are not existing DER. Other classes that can
inject power in a snapshot (``IndMach012``, ``Isource``, ``VCCS``, ``VSConverter``) are left
as the model sets them, and named in :attr:`ExistingDer.left` so that the flow's notes say so.

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — Generator ``kW`` (sign convention), PVSystem ``Irradiance``, Storage
``State``, ``%Discharge``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExistingDer", "LEFT_CLASSES"]

#: Element classes that can inject power in a snapshot but are not scaled (named in notes).
LEFT_CLASSES = ("indmach012", "isource", "vccs", "vsconverter")


def _prop(dss: Any, element: str, name: str) -> str:
    dss.Text.Command(f"? {element}.{name}")
    return str(dss.Text.Result())


@dataclass
class ExistingDer:
    """The model's generating elements and their output as the model sets it.

    Attributes
    ----------
    pv : list of (str, float)
        PV system name and its ``Irradiance``.
    generators : list of (str, float)
        Generator name and its ``kW`` (> 0: generating).
    storage : list of (str, float)
        Storage name (discharging) and its ``%Discharge``.
    left : list of str
        Enabled ``class.name`` of :data:`LEFT_CLASSES` (not scaled).
    """

    pv: list[tuple[str, float]] = field(default_factory=list)
    generators: list[tuple[str, float]] = field(default_factory=list)
    storage: list[tuple[str, float]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    fraction: float = 1.0

    @classmethod
    def read(cls, dss: Any, skip_prefix: str) -> ExistingDer:
        """Read the compiled circuit ``dss`` (the generators named ``skip_prefix…`` are not
        existing DER)."""
        out = cls()
        for name in dss.PVsystems.AllNames() if dss.PVsystems.Count() else []:
            dss.PVsystems.Name(name)
            out.pv.append((name, float(dss.PVsystems.Irradiance())))
        for name in dss.Generators.AllNames() if dss.Generators.Count() else []:
            if name.lower().startswith(skip_prefix):
                continue
            dss.Generators.Name(name)
            if float(dss.Generators.kW()) > 0:
                out.generators.append((name, float(dss.Generators.kW())))
        for name in dss.Storages.AllNames() if dss.Storages.Count() else []:
            dss.Storages.Name(name)
            if int(dss.Storages.State()) == 1:
                out.storage.append((name, float(_prop(dss, f"storage.{name}", "%discharge"))))
        for name in dss.Circuit.AllElementNames():
            cls_ = name.split(".", 1)[0].lower()
            if cls_ in LEFT_CLASSES:
                dss.Circuit.SetActiveElement(name)
                if dss.CktElement.Enabled():
                    out.left.append(name.lower())
        return out

    @property
    def n_scaled(self) -> int:
        """Elements scaled by :meth:`scale`."""
        return len(self.pv) + len(self.generators) + len(self.storage)

    def scale(self, dss: Any, fraction: float) -> None:
        """Set every element's output to ``fraction`` × the model's (1 restores it)."""
        f = float(fraction)
        if f == self.fraction:
            return
        for name, irr in self.pv:
            dss.PVsystems.Name(name)
            dss.PVsystems.Irradiance(irr * f)
        for name, kw in self.generators:
            dss.Generators.Name(name)
            dss.Generators.kW(kw * f)
        for name, pct in self.storage:
            dss.Storages.Name(name)
            if f > 0:
                dss.Storages.State(1)
                dss.Text.Command(f"storage.{name}.%discharge={pct * f:.9g}")
            else:
                dss.Storages.State(0)
        self.fraction = f

    def note(self) -> str:
        """What an existing-DER-off step switched off, for the flow's notes."""
        kinds = [f"{len(x)} {k}" for x, k in ((self.pv, "PV system(s)"),
                                               (self.generators, "generator(s)"),
                                               (self.storage, "discharging storage"))
                 if x]
        text = ("existing DER off in the charging snapshots: " + ", ".join(kinds)
                if kinds else "no existing DER in the model to switch off")
        if self.left:
            text += (f"; left as the model sets them: {', '.join(self.left[:5])}"
                     f"{' …' if len(self.left) > 5 else ''}")
        return text
