"""A drafted V2G site behind a transformer the redirects add (review rev33a F1).

``protv2g init --redirect depot_xf.dss --site depot:depot_lv:16:125``: the depot's bus is fed
only through ``Transformer.depot_xf``, which the redirect adds and which feeds nothing else
(:func:`protv2g.study.dss_site_transformers.redirect_site_transformers`). That is the site's
own transformer: the draft names it in ``model_transformer`` (docs/study-file.md, "A site's
own transformer on an OpenDSS feeder"), so the base case (no V2G) is the feeder without it.
Before, the draft left it out and the base case kept the project's transformer and its fuse.
A load the redirects add behind it (the depot's auxiliary load) comes with it: the comment
names it (review rev35a M1: EPRI ckt5's ``Load.depot_aux`` kept init from naming
``depot_xf`` at all).
"""

from __future__ import annotations

from collections.abc import Sequence

from protv2g.study.dss_site_transformers import loads_text
from protv2g.study_draft.writer import todo

__all__ = ["with_site_transformer"]


def with_site_transformer(entry: dict, on_field: dict[str, str],
                          found: Sequence[str] | None,
                          loads: Sequence[tuple[str, float]] = ()
                          ) -> tuple[dict, dict[str, str]]:
    """The site entry with the transformer the redirects add in front of its bus (review
    rev33a F1): one → ``model_transformer`` after ``bus``, with why and the loads ``loads``
    (``(name, kW)``) the redirects add behind it, which go out of the base case with it;
    several (in series) → a TODO on ``bus`` naming them and what ``model_transformer``
    does."""
    if not found:
        return entry, on_field
    bus = entry["bus"]
    if len(found) > 1:
        return entry, {**on_field, "bus": todo(
            f"{bus} is fed only through transformers the redirects add ({', '.join(found)}), "
            "each feeding nothing but V2G sites: the one that comes with the site (its own "
            "transformer) belongs in model_transformer, which takes it out of the base case "
            "(no V2G), so its 3I0 and a fuse on it count as the project's",
            f"add model_transformer: <{' or '.join(found)}> under bus if one is the site's "
            "own; nothing if both are the utility's (docs/study-file.md)")}
    out: dict = {}
    for key, value in entry.items():
        out[key] = value
        if key == "bus":
            out["model_transformer"] = found[0]
    if loads:
        note = (f"# the site's own: {bus} is fed only through Transformer.{found[0]}, which "
                "the redirects add and which feeds nothing else but the loads they add with "
                f"it ({loads_text(loads)}: the project's too); out of the base case (no V2G) "
                "with them and a fuse on it, in every V2G scenario — delete this line if it "
                "is the utility's (docs/study-file.md)")
    else:
        note = (f"# the site's own: {bus} is fed only through Transformer.{found[0]}, which "
                "the redirects add and which feeds nothing else; out of the base case (no "
                "V2G) with a fuse on it — delete this line if it is the utility's "
                "(docs/study-file.md)")
    return out, {**on_field, "model_transformer": note}
