"""Lines at their end-of-fault temperature for the minimum case: the admittance change that
takes every line's series resistance from 20 °C to ``endtemp_degree`` (IEC 60909-0:2016
eq. 34), applied to the phase-domain system by :func:`protv2g.engine.phase.system.build_system`.
"""

from __future__ import annotations

import numpy as np

from protv2g.network.dss_model import DssModel, ElementY

__all__ = ["ALPHA_PER_K", "hot_line_changes"]


#: Temperature coefficient of conductor resistance, 1/K (IEC 60909-0:2016 eq. 34: "0.004/K,
#: valid with sufficient accuracy for copper, aluminium and aluminium alloy").
ALPHA_PER_K = 0.004


def hot_line_changes(model: DssModel, endtemp_degree: float) -> list[tuple[ElementY, np.ndarray]]:
    """Admittance changes that take every line's series resistance to ``endtemp_degree``.

    The series admittance of a line is ``Ys = −Yprim[t1, t2]`` (OpenDSS's π model); its
    impedance ``Z = Ys⁻¹`` becomes ``k·R + jX`` and the change ``ΔYs = (kR + jX)⁻¹ − Ys`` enters
    as ``[[ΔYs, −ΔYs], [−ΔYs, ΔYs]]``. Lines with an open conductor (singular ``Ys``) keep
    their resistance.
    """
    k = 1.0 + ALPHA_PER_K * (float(endtemp_degree) - 20.0)
    by_n: dict[int, list[ElementY]] = {}
    for e in model.lines():
        by_n.setdefault(len(e.node) // 2, []).append(e)
    out = []
    for n, lines in by_n.items():
        ys = -np.array([e.yprim_s[:n, n:] for e in lines])            # (m, n, n)
        with np.errstate(all="ignore"):
            ok = np.all(np.isfinite(ys), axis=(1, 2))
            ok[ok] = np.linalg.cond(ys[ok]) < 1e12
            z = np.linalg.inv(ys[ok])
            d = np.linalg.inv(k * z.real + 1j * z.imag) - ys[ok]
        full = np.concatenate([np.concatenate([d, -d], axis=2),
                               np.concatenate([-d, d], axis=2)], axis=1)
        out += list(zip([e for e, g in zip(lines, ok, strict=True) if g], full, strict=True))
    return out
