"""Protective devices defined in a model's folder that the compiled model does not hold.

A utility model often keeps its fuses, reclosers or relays in a script the master does not
redirect (IEEE 8500: ``Fuses.DSS`` defines 30 Fuse elements; only ``Run_RecloserSiting.DSS``
redirects it): ``protv2g init Master.dss`` then drafts a study with none of them and said
nothing (review rev31, friction 1). :func:`uncompiled_device_notes` finds them by reading the
scripts beside the master (``New Fuse.<name>``, ``New Recloser.<name>``, ``New Relay.<name>``,
OpenDSS's element syntax, case-insensitive) and names each file with the redirect that would
compile it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from protv2g.network.dss_model import DssModel
from protv2g.study_draft.notes import Note

__all__ = ["uncompiled_device_notes", "MAX_SCRIPT_BYTES"]

#: Scripts larger than this are not read (a device script is small; a load or line list of a
#: utility model can be tens of MB and holds no protective device).
MAX_SCRIPT_BYTES = 5_000_000
#: A run script (it compiles or clears a circuit of its own, e.g. IEEE 8500's
#: ``Run_RecloserSiting.DSS``: ``Compile (master.dss)``, then its own relay and a redirect of
#: ``Fuses.DSS``): not a script to redirect into the study; its devices are a study's of
#: their own.
_RUN = re.compile(r"^\s*(?:clear|compile)\b", re.IGNORECASE | re.MULTILINE)
_NEW = re.compile(r"^\s*new\s+(?:object\s*=\s*)?(fuse|recloser|relay)\.([^\s]+)",
                  re.IGNORECASE | re.MULTILINE)


def uncompiled_device_notes(master: Path, model: DssModel,
                            redirects: Sequence[str | Path] = ()) -> list[Note]:
    """One TODO note per script in the master's folder that defines protective devices the
    compiled model lacks: ``Fuses.DSS defines 30 Fuse element(s) … not compiled`` with the
    fix ``--redirect Fuses.DSS``. Empty when there is none (the scripts the study redirects,
    the master itself and run scripts — :data:`_RUN` — are skipped)."""
    folder = Path(master).resolve().parent
    have = {str(n).lower() for n in model.devices.name} if len(model.devices) else set()
    skip = {Path(master).resolve(), *(Path(r).resolve() for r in redirects)}
    out = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if (path.suffix.lower() != ".dss" or not path.is_file() or path.resolve() in skip
                or path.stat().st_size > MAX_SCRIPT_BYTES):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if _RUN.search(text):
            continue
        found: dict[str, int] = {}
        for kind, name in _NEW.findall(text):
            if f"{kind.lower()}.{name.lower()}" not in have:
                key = {"fuse": "Fuse", "recloser": "Recloser", "relay": "Relay"}[kind.lower()]
                found[key] = found.get(key, 0) + 1
        if found:
            what = " and ".join(f"{n} {k} element(s)" for k, n in found.items())
            out.append(Note(path.name, f"defines {what} that the compiled model does not hold "
                                       "(the master does not redirect it)",
                            "not in the study: the devices it defines are not checked",
                            f"if they are the feeder's, draft again with "
                            f"`protv2g init {Path(master).name} --redirect {path.name}` (or add "
                            f"the file to feeder.redirects)"))
    return out
