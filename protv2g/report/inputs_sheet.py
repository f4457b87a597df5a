"""The Inputs sheet: every field of the study document with its value and its basis (given in
the study file, or the tool's default), so a reviewer sees what the study rests on.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["BOOL_TEXT", "DEFAULT_NONE", "EMPTY_LIST", "GIVEN", "TOOL_DEFAULT", "inputs_frame"]

#: An empty list in the Inputs sheet: an empty cell would read as "not given" (the depot's
#: ``reclose_intervals_s: []`` says the breaker does not reclose, which C10 needs declared).
EMPTY_LIST = "[] (empty list)"

#: A true/false field as the study file spells it (YAML), not a boolean cell: a boolean cell
#: in the value column made readers that share equal values (pandas ``read_excel``: ``False
#: == 0``) show every 0 after it as ``False`` — review s23 §6, ``faults.r_fault_ohm`` read
#: ``False`` where the study used 0 Ω.
BOOL_TEXT = {True: "true", False: "false"}


def _flatten(value: object, prefix: str = "") -> list[tuple[str, object]]:
    """Study document as (field path, value) rows: ``devices[0].pickup_a``."""
    if isinstance(value, dict):
        out: list[tuple[str, object]] = []
        for key, item in value.items():
            out += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = []
        for i, item in enumerate(value):
            out += _flatten(item, f"{prefix}[{i}]")
        return out
    if isinstance(value, list) and not value:
        return [(prefix, EMPTY_LIST)]
    if isinstance(value, bool):
        return [(prefix, BOOL_TEXT[value])]
    return [(prefix, ", ".join(map(str, value)) if isinstance(value, list) else value)]


#: The Inputs sheet's ``basis`` of a field the study file (or the feeder model's importer)
#: gave, and of one it did not (the schema's default used).
GIVEN, TOOL_DEFAULT = "given", "tool default"
#: The value cell of a field not given whose default is "absent" (None): an empty cell would
#: read the same as a value given empty (reviewer, trust_report follow-up).
DEFAULT_NONE = "(tool default: none)"


def inputs_frame(document: dict, given: dict | None = None) -> pd.DataFrame:
    """The Inputs sheet: ``key``, ``value``, ``basis`` per field path of ``document``.

    ``given`` is the same document dumped with only the fields set
    (``model_dump(exclude_unset=True)``, ``inputs["document_given"]``); a path absent from it
    is at the tool's default (``basis`` :data:`TOOL_DEFAULT`, a None value written
    :data:`DEFAULT_NONE`). Without ``given`` (an older result) ``basis`` is empty.

    >>> inputs_frame({"a": 1, "b": None, "c": 2}, {"a": 1}).to_numpy().tolist()
    [['a', 1, 'given'], ['b', '(tool default: none)', 'tool default'], ['c', 2, 'tool default']]
    """
    frame = pd.DataFrame(_flatten(document), columns=["key", "value"], dtype=object)
    if given is None:
        return frame.assign(basis="")
    stated = {k for k, _ in _flatten(given)}
    # a list or mapping given whole is given with every path under it
    set_ = frame["key"].map(lambda k: k in stated or bool(_prefixes(k, stated)))
    frame["basis"] = [GIVEN if s else TOOL_DEFAULT for s in set_]
    rating = ~set_ & frame["key"].str.endswith(".interrupting_rating_basis")
    frame.loc[rating, "basis"] = frame.loc[rating, "value"].map(
        lambda v: f"{TOOL_DEFAULT}: {_RATING_BASIS.get(v, v)}")
    none = ~set_ & frame["value"].map(lambda v: v is None)
    frame.loc[none, "value"] = DEFAULT_NONE
    return frame


#: What a tool-default rating basis stands for (the Inputs sheet's basis column; review s15:
#: the fuses' default basis contradicted the drafting rule's and the sheet did not say which).
_RATING_BASIS = {
    "asym": "asymmetrical rms, as distribution cutouts are rated (IEEE C37.42)",
    "sym": "symmetrical, as breakers (IEEE C37.04/C37.06), reclosers (IEEE C37.60) and IEC "
           "60269 fuses (breaking capacity: prospective symmetrical current) are rated",
}


def _prefixes(key: str, stated: set[str]) -> list[str]:
    """The stated paths that are a leading part of ``key`` (``feeder`` of ``feeder.x``)."""
    cuts = [i for i, ch in enumerate(key) if ch in ".["]
    return [key[:i] for i in cuts if key[:i] in stated]
