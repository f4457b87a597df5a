"""The ``--site`` entries of a draft (``protv2g init --site``): :func:`parse_site` reads
``NAME:BUS[.PHASE]:N_CHARGERS:KW_EACH`` into a ``v2g_sites`` entry, and :func:`_check_sites`
checks the entries against the OpenDSS model (bus, phases, reached from the substation),
every problem at once, before :func:`protv2g.study_draft.draft.draft_study` drafts anything.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import DssModel
from protv2g.study.site_reach import cut_off_reasons

__all__ = ["parse_site"]


def parse_site(text: str) -> dict:
    """``NAME:BUS[.PHASE]:N_CHARGERS:KW_EACH`` → a ``v2g_sites`` entry.

    ``PHASE`` is ``a``, ``b`` or ``c`` (line to neutral) or ``ab``, ``bc``, ``ca`` (one
    single-phase unit between two conductors: a 240 V charger across the legs of a
    split-phase secondary is ``.ab``).

    >>> parse_site("homes:l3312692.a:20:7.2")["phase"]
    'a'
    >>> parse_site("homes:sx3312692a.ab:2:7.2")["phase"]
    'ab'

    Raises
    ------
    InputError
        For another form.
    """
    m = re.fullmatch(r"([^:]+):([^:]+?)(?:\.(ab|bc|ca|[abc]))?:(\d+):([0-9.]+)",
                     text.strip())
    if m is None:
        raise InputError(Issue("--site", text, "not NAME:BUS[.PHASE]:N_CHARGERS:KW_EACH",
                               "e.g. --site depot:m1209817:20:100, "
                               "--site homes:l3312692.a:20:7.2 (line to neutral) or "
                               "--site homes:sx3312692a.ab:2:7.2 (240 V across both legs)"))
    name, bus, phase, n, kw = m.groups()
    out = {"name": name, "bus": bus.lower(), "n_chargers": int(n), "p_charger_kw": float(kw)}
    if phase:
        out.update(phases=1, phase=phase)
    return out


def _check_sites(model: DssModel, sites: Sequence[dict]) -> None:
    issues = []
    for s in sites:
        bus = s["bus"]
        if bus not in model.buses.index:
            close = difflib.get_close_matches(str(bus), [str(b) for b in model.buses.index], 3)
            hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
            issues.append(Issue("--site", s["name"], f"bus {bus!r} is not in the model",
                                f"{hint}give a bus of the model (run init without --site: "
                                "its study lists candidate site buses)"))
        elif s.get("phase") and any(c not in model.buses.at[bus, "phases"]
                                    for c in s["phase"]):
            issues.append(Issue("--site", s["name"], f"bus {bus!r} has no phase {s['phase']} "
                                f"(it has {model.buses.at[bus, 'phases']!r})",
                                "give a phase the bus has (two of them, e.g. .ab, for one "
                                "unit between them)"))
        elif not s.get("phase") and model.buses.at[bus, "phases"] != "abc":
            issues.append(Issue("--site", s["name"], f"bus {bus!r} has phases "
                                f"{model.buses.at[bus, 'phases']!r}, not three",
                                f"make it single-phase: {s['name']}:{bus}.<phase>:…"))
    # a bus the substation does not reach: validate refuses the site there (rev45a M3), so
    # init drafts none there either (review fix45c)
    known = {s["name"]: int(model.bus_index([s["bus"]])[0]) for s in sites
             if s["bus"] in model.buses.index}
    for name, (cause, close) in cut_off_reasons(model, known).items():
        bus = next(s["bus"] for s in sites if s["name"] == name)
        how = (f"close it in a script given with --redirect ({'; '.join(close)}) if it is "
               "closed while the site exports, or " if close else "")
        issues.append(Issue("--site", name, f"bus {bus!r} is not connected to the "
                            f"substation: {cause}; the study judges protection on the "
                            "substation's paths, and none reaches this site (validate "
                            "refuses it)", f"{how}give a bus the substation feeds (see the "
                            "candidate list)"))
    if issues:
        raise InputError(issues)
