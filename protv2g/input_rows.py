"""The stand-in inputs a finding's rows rest on, in words: the Summary's conditions name
what the gate's lines name (:mod:`protv2g.input_basis` words each row's input; review
rev40a M2). Split from :mod:`protv2g.input_basis` (past 400 lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.input_basis import LIGHT_LOAD_INPUT, NO_LOAD_INPUT, input_to_confirm

__all__ = ["inputs_of_rows"]


def inputs_of_rows(rows: pd.DataFrame, basis: str, most: int = 3) -> str:
    """The inputs a finding's evidence ``rows`` rest on at ``basis`` (its weakest, as the
    Findings' "Rests on"), in words: :func:`~protv2g.input_basis.input_to_confirm` of each
    row at that basis with its own ``input_todo``, worst margin first, each input once (a
    row's ``input_todo`` joins several: IEEE 8500's C3 rows named each link twice),
    ``"; "``-joined, at most ``most``
    (then "and N more"). The same words the gate's line gives its worst row (review rev40a
    M2: EPRI J1's Summary asked to confirm "the settings of RC-MID / FU-LAT2PH" — the user's
    devices — where the gate named the drafted ``r_fault_min_ohm = 20 Ω`` the rows rest on).

    >>> ev = pd.DataFrame({"criterion": ["C2", "C2"], "device": ["R", "R"],
    ...     "other_device": ["F", "F"], "input_basis": ["given", "todo"], "margin": [-3, -1],
    ...     "input_todo": ["", "the minimum-case fault resistance r_fault_min_ohm = 20 Ω "
    ...                        "(drafted: TODO)"]})
    >>> inputs_of_rows(ev, "todo")
    'the minimum-case fault resistance r_fault_min_ohm = 20 Ω (drafted: TODO)'
    """
    if "input_basis" not in rows.columns or not len(rows):
        return ""
    at = rows[rows["input_basis"].astype(str) == basis]
    if "margin" in at.columns:
        at = at.iloc[np.argsort(pd.to_numeric(at["margin"], errors="coerce")
                                .fillna(np.inf).to_numpy(), kind="stable")]
    cols = ["criterion", "device", "other_device", "input_todo"]
    # one text per distinct (criterion, devices, drafted inputs), in worst-first order
    keys = pd.DataFrame({c: (at[c].astype(str) if c in at.columns else "") for c in cols},
                        index=at.index).drop_duplicates()
    # the worst row's figures: a drafted threshold it names says where it passes (rev49a #5)
    worst = {k: at[k].iloc[0] if k in at.columns and len(at) else None
             for k in ("margin", "limit")}
    items: dict[str, str] = {}  # an input's words (without the worst row's figure) → item
    for j, (c, d, o, x) in enumerate(keys.itertuples(index=False, name=None)):
        figures = worst if j == 0 else {}
        for item in _items(input_to_confirm(c, d, o, basis, x, **figures)):
            items.setdefault(item.split(", passing at ", 1)[0], item)
    out = list(items.values())
    return "; ".join(out[:most]) + (f" and {len(out) - most} more" if len(out) > most else "")


def _items(text: str) -> list[str]:
    """The inputs of an ``input_todo`` text (:func:`protv2g.input_basis.confirm_texts` joins
    them with ``"; "``); an input whose own words hold ``"; "`` (:data:`LIGHT_LOAD_INPUT`,
    :data:`NO_LOAD_INPUT`) kept whole.

    >>> _items("A's link (drafted: TODO); " + LIGHT_LOAD_INPUT) == ["A's link (drafted: TODO)",
    ...                                                           LIGHT_LOAD_INPUT]
    True
    """
    whole = [t for t in (LIGHT_LOAD_INPUT, NO_LOAD_INPUT) if t in text]
    for k, t in enumerate(whole):
        text = text.replace(t, f"\x00{k}\x00")
    return [whole[int(p[1:-1])] if p.startswith("\x00") else p
            for p in text.split("; ") if p]
