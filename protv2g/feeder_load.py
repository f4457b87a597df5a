"""Does the feeder have load? What a light-load fraction scales.

``scenarios.light_load_fraction`` sets the light-load scenarios' loads to peak × it; on a
feeder with no load (EPRI's DG-protection feeder has no ``Load`` element, review s23) it
changes nothing, and no row rests on it (:func:`protv2g.input_basis.study_input_bases`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["feeder_has_load"]


def feeder_has_load(study: Any) -> bool:
    """Whether the study's feeder has load for ``light_load_fraction`` to scale: an enabled
    OpenDSS ``Load`` (``model.injections``, kW and kvar as the scripts define them) or an
    in-service pandapower ``load`` with non-zero kW or kvar. True when the feeder cannot say
    (no model and no net read): the drafted fraction then keeps its rows.

    >>> from types import SimpleNamespace as D
    >>> inj = pd.DataFrame({"cls": ["load", "pvsystem"], "enabled": [True, True],
    ...                     "kw": [0.0, 50.0], "kvar": [0.0, 0.0]})
    >>> feeder_has_load(D(model=D(injections=inj))), feeder_has_load(D(model=None))
    (False, True)
    """
    model = getattr(study, "model", None)
    if model is not None and getattr(model, "injections", None) is not None:
        inj = model.injections
        loads = inj[(inj["cls"].astype(str) == "load") & inj["enabled"].astype(bool)]
        p, q = (pd.to_numeric(loads[c], errors="coerce").fillna(0.0).to_numpy()
                for c in ("kw", "kvar"))
        return bool(np.any((p != 0.0) | (q != 0.0)))
    net = getattr(study, "net", None)
    load = getattr(net, "load", None) if net is not None else None
    if load is None:
        return True
    on = load["in_service"].astype(bool).to_numpy() if "in_service" in load else True
    scale = (pd.to_numeric(load["scaling"], errors="coerce").fillna(1.0).to_numpy()
             if "scaling" in load else 1.0)
    p, q = (pd.to_numeric(load[c], errors="coerce").fillna(0.0).to_numpy() * scale
            if c in load else np.zeros(len(load)) for c in ("p_mw", "q_mvar"))
    return bool(np.any(on & ((p != 0.0) | (q != 0.0))))
