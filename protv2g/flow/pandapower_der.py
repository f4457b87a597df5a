"""The existing DER of a pandapower net in a flow context, scaled step by step.

The pandapower twin of :mod:`protv2g.flow.opendss_der`: a flow step's ``der_fraction``
(:mod:`protv2g.flow.blocks`: 1 as the net sets it, 0 in C8's charging snapshots, "existing DER
off", the worst case for load current) scales every element of the net that generates power:

* ``sgen`` (static generators: PV, wind, …) other than the V2G sites' own: ``scaling``;
* ``gen`` (voltage-controlled generators) that are not a slack: ``scaling`` (their P); at 0
  they are taken out of service, so that an "off" generator holds no voltage either;
* ``storage`` discharging (``p_mw`` < 0 in pandapower's load convention: positive charges):
  ``scaling``; a storage unit charging is a load and is left as it is, as a load is never
  switched off for the worst case of load current.

Before (session 17, flow/powerflow.py): only ``sgen`` was scaled, so a net's ``gen`` and a
discharging ``storage`` kept feeding the charging snapshots while the OpenDSS path (and C8's
row text, "existing DER (PV, generators, storage) off") switched them off.

References
----------
pandapower documentation, element tables ``sgen``, ``gen`` (``scaling``, ``slack``) and
``storage`` ("p_mw: the momentary real power of the storage (positive for charging, negative
for discharging)").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PandapowerDer"]


def _col(df: pd.DataFrame, name: str, default: float | bool) -> np.ndarray:
    return (df[name].to_numpy() if name in df else np.full(len(df), default))


@dataclass
class PandapowerDer:
    """Which rows of ``sgen``, ``gen`` and ``storage`` are existing DER, and their scalings.

    Build with :meth:`read` on the net the flow solves (after the V2G sites' ``sgen`` rows
    were added); :meth:`apply` sets a step's fraction, :meth:`restore` the net's own values.
    """

    own: dict[str, np.ndarray]
    scaling0: dict[str, np.ndarray]
    in_service0: np.ndarray

    @classmethod
    def read(cls, net: object, site_sgen: np.ndarray) -> PandapowerDer:
        """The existing DER of ``net`` (``site_sgen``: the V2G sites' ``sgen`` indices)."""
        own, scaling0 = {}, {}
        for table in ("sgen", "gen", "storage"):
            df = getattr(net, table, None) if table in net else None  # type: ignore[operator]
            if df is None or not len(df):
                continue
            mask = _col(df, "in_service", True).astype(bool)
            if table == "sgen":
                mask &= ~df.index.isin(site_sgen)
            elif table == "gen":
                mask &= ~_col(df, "slack", False).astype(bool)
            else:  # discharging only
                mask &= df.p_mw.to_numpy(float) < 0.0
            own[table] = mask
            scaling0[table] = _col(df, "scaling", 1.0).astype(float).copy()
        gen = getattr(net, "gen", None) if "gen" in net else None  # type: ignore[operator]
        in_service0 = (gen.in_service.to_numpy(bool).copy() if gen is not None and len(gen)
                       else np.zeros(0, bool))
        return cls(own, scaling0, in_service0)

    def apply(self, net: object, fraction: float) -> None:
        """Scale the existing DER of ``net`` by ``fraction`` (0: off)."""
        for table, mask in self.own.items():
            df = net[table]  # type: ignore[index]
            df["scaling"] = np.where(mask, self.scaling0[table] * fraction, self.scaling0[table])
            if table == "gen":
                df["in_service"] = np.where(mask & (fraction <= 0.0), False, self.in_service0)

    def restore(self, net: object) -> None:
        """The net's own scalings and gen service states."""
        self.apply(net, 1.0)

    def note(self) -> str:
        """What an existing-DER-off step switches off, for the flow's notes."""
        kinds = [f"{int(self.own[t].sum())} {k}" for t, k in (
            ("sgen", "static generator(s)"), ("gen", "generator(s)"),
            ("storage", "discharging storage")) if t in self.own and self.own[t].any()]
        return ("existing DER off in the charging snapshots: " + ", ".join(kinds) if kinds
                else "no existing DER in the net to switch off")
