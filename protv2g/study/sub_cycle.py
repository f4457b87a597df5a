"""A recloser curve that clears under one cycle, said once: by ``protv2g validate`` (with the
field and the fix) and on ``run``'s Feeder warnings sheet — not on the console of every
command (review rev39a F5: EPRI's DG_Prot_Fdr, whose ``Recloser.D like=A`` does not copy A's
``Delay``, so D's fast curve clears in 15 ms; ``init`` said so, as it should, and then
``validate``, ``run``, ``hosting`` and ``recommend`` each printed it again, once per engine
slice, from the Python warning every build of the device raises).

The figure is the recloser model's own (:class:`protv2g.devices.recloser.Recloser`'s
``sub_cycle``: the least clearing time of each curve in use, with its modifiers and the
mechanism time, against one cycle at 60 Hz, :data:`protv2g.devices.recloser.CYCLE_S`: the least
time in which any recloser interrupts).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from protv2g.devices.models import build_device
from protv2g.devices.recloser import RecloserSettings, SubCycleClearingWarning
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

__all__ = ["sub_cycle_warnings"]

_FIELDS = frozenset(f.name for f in dataclasses.fields(RecloserSettings))


def sub_cycle_warnings(study: Any) -> list[Issue]:
    """An :class:`~protv2g.errors.Issue` per recloser curve of the study that clears under one
    cycle (module docstring), its field path as the plausibility warnings write it
    (``devices[1].fast_curve``; a model device ``feeder.opendss (recloser d).fast_curve``); a
    recloser that does not build is left to validation's own issues."""
    file = str(study.path)
    n_model = len(getattr(study, "model_devices", ()) or ())
    out: list[Issue] = []
    for i, device in enumerate(study.document.devices):
        if device.kind is not DeviceKind.RECLOSER:
            continue
        where = (f"devices[{i - n_model}]" if i >= n_model
                 else f"feeder.opendss ({device.kind.value} {device.name})")
        fields = {k: v for k, v in device.model_dump().items() if k in _FIELDS}
        try:
            with warnings.catch_warnings():  # said here, as data: not the build's warning
                warnings.simplefilter("ignore", SubCycleClearingWarning)
                rec = build_device(DeviceKind.RECLOSER, fields, study.library)
        except (InputError, KeyError, ValueError, TypeError):
            continue
        out += [Issue(file, f"{where}.{fld}", what, fix)
                for fld, what, fix in getattr(rec, "sub_cycle", ())]
    return out
