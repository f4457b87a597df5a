"""Positive-sequence memory voltage: the pre-fault ``V1`` at each device bus.

**Engine boundary.** Numerical relays polarise from a memory of the pre-fault positive-sequence
voltage when a close-in fault collapses the measured one. The fault engine's pre-fault state is
the no-load voltage carried through the transformer phase shifts, times the IEC 60909 voltage
factor ``c`` (``c = 1`` with the classical method): ``V_pre = c·u_nl`` (see
:meth:`protv2g.engine.solve.CaseSolver.pre_fault`). The engine does not return it in its tables,
so :func:`prefault_v1_pu` rebuilds exactly that phasor with the engine's own sequence-network
builder, in the same angle reference as the device phasors. When the engine exposes its
pre-fault device voltages (e.g. a ``device_v1_pre_pu`` array), this function is the one place to
replace.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandapower as pp

from protv2g.engine.sequence import build_sequence_networks, copy_net
from protv2g.errors import InputError
from protv2g.units import C_MIN_LV, C_MIN_MV, Case, Method

__all__ = ["prefault_v1_pu"]


def prefault_v1_pu(net: pp.pandapowerNet, buses: Iterable[int],
                   cases: Iterable[Case | str] = (Case.MAX, Case.MIN),
                   method: Method | str = Method.IEC60909) -> dict[tuple[str, int], complex]:
    """Pre-fault positive-sequence voltage of ``buses`` as the fault engine assumes it.

    Parameters
    ----------
    net : pandapowerNet
        The study's net (not modified: the builder works on a private copy).
    buses : iterable of int
        pandapower bus indices (device buses).
    cases : iterable of Case
        ``max`` / ``min`` (only the ``c`` factor differs: ``c_max`` of the engine's build,
        ``c_min`` 1.00 MV / 0.95 LV, IEC 60909-0 Table 1).
    method : Method
        ``iec60909`` (``c·u_nl``) or ``classical`` (``u_nl``).

    Returns
    -------
    dict
        ``(case value, bus) → V1`` in pu of the bus nominal voltage (complex; angle in the
        engine's reference, the external grid at its ``va_degree``). Buses not connected to a
        source are left out.

    Example
    -------
    >>> prefault_v1_pu(net, [1, 7])  # doctest: +SKIP
    {('max', 1): (1.1+0j), ('max', 7): (0.9526-0.55j), ...}
    """
    method = Method(method)
    buses = np.asarray(sorted({int(b) for b in buses}), dtype=np.int64)
    out: dict[tuple[str, int], complex] = {}
    if not len(buses):
        return out
    try:  # the angle does not depend on the case: one (max-case) build
        cn = build_sequence_networks(copy_net(net), net, Case.MAX, method, zero_sequence=False)
    except (InputError, UserWarning, KeyError, ValueError) as exc:
        warnings.warn(f"no memory voltage for the directional elements (the net's "
                      f"short-circuit data do not build: {exc}); close-in faults give no "
                      "decision", RuntimeWarning, stacklevel=2)
        return out
    idx = cn.pos.index(buses)
    lv = np.asarray(net.bus.loc[buses, "vn_kv"], float) <= 1.0
    for case in (Case(c) for c in cases):
        for b, k, is_lv in zip(buses, idx, lv, strict=True):
            if k < 0:
                continue
            if method is Method.CLASSICAL:
                c = 1.0
            elif case is Case.MAX:
                c = float(cn.c_factor[k])
            else:
                c = C_MIN_LV if is_lv else C_MIN_MV
            out[(case.value, int(b))] = complex(c * cn.u_nl[k])
    return out
