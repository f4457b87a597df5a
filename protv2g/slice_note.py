"""The warning class of an engine note about one fault-study slice (scenario, case, fault type).

Its own light module (no engine import) so that the CLI can fold the notes of many slices by
type (:func:`protv2g.cli._print_notes`) without importing the engines: ``protv2g validate``
and ``--help`` import no heavy package (``tests/test_validate_light.py``).
"""

from __future__ import annotations

__all__ = ["UNIT_WORDS", "PllNote", "SliceNote", "pll_lines", "pll_text"]


class SliceNote(RuntimeWarning):
    """An engine note about one (scenario, case, fault type) slice of a fault study.

    ``text`` is the note without the slice, ``slice_label`` the slice ("scenario X, max,
    3ph"); ``str()`` is both. The CLI folds the notes of many slices into one line from
    ``text`` (:func:`protv2g.cli._print_notes`), never by cutting the slice out of the message
    (review rev36b X2: a scenario named "… (existing DER in the min case)" left ", min, 3ph)"
    in the folded line).
    """

    def __init__(self, text: str, slice_label: str):
        super().__init__(f"{text} ({slice_label})")
        self.text = text
        self.slice_label = slice_label


class PllNote(SliceNote):
    """The note of a slice whose converters were solved with the PLL held
    (:func:`protv2g.engine.pll_note.warn_pll_frozen`), with its figures as data: the CLI
    folds the notes of every slice into one line with one count that says what it counts
    (:func:`pll_text`; review rev41c F: two lines, "8" and "9 fault bus(es)", the slices with
    and without a tracking residual, and ``faults`` saying 6).

    ``n_buses``: fault buses of the slice with such rows; ``residual_pu``: the smallest
    tracking residual of the slice (pu), None when the engine has none; ``units``: whose
    control (:data:`UNIT_WORDS`).
    """

    def __init__(self, slice_label: str, n_buses: int, residual_pu: float | None = None,
                 units: str = "chargers"):
        super().__init__(pll_text(f"{n_buses} fault bus(es)", units,
                                  None if residual_pu is None else f"{residual_pu:.2e}"),
                         slice_label)
        self.n_buses = int(n_buses)
        self.residual_pu = residual_pu
        self.units = units

    def __reduce__(self) -> tuple:
        return (PllNote, (self.slice_label, self.n_buses, self.residual_pu, self.units))


#: whose control, "between … and the grid", whose loss-of-lock behaviour.
UNIT_WORDS = {
    "chargers": ("the chargers'", "a charger", "the charger's"),
    "existing inverters": ("the feeder's existing inverters' (PV, storage)", "an inverter",
                           "the inverter's"),
    "chargers and existing inverters": (
        "the chargers' and the feeder's existing inverters'", "a converter",
        "each converter's"),
}


def pll_text(count: str, units: str = "chargers", residual: str | None = None,
             tail: str | None = None) -> str:
    """The PLL note's words: ``count`` fault buses (``"9 fault bus(es)"``, or what the CLI's
    folded line counts) where ``units``' control cannot lock on to the grid voltage;
    ``residual``: the smallest tracking residual as text (pu), none when None; ``tail``: what
    to do (default: look whether a finding's worst row is at one of the buses — the CLI of
    ``run``, which knows the findings, says which are instead)."""
    whose, one, maker = UNIT_WORDS[units]
    said = "" if residual is None else f"; smallest tracking residual {residual} pu"
    tail = (f"nothing to do unless a finding's worst row is at one of these buses, then confirm "
            f"{maker} loss-of-lock behaviour with its maker" if tail is None else tail)
    return (f"{count} where {whose} control cannot lock on to "
            "the grid voltage (no PLL-tracking solution: a fault on the path between "
            f"{one} and the grid's source, near the source or far along a long feeder, "
            "leaves its own current setting its terminal voltage"
            + said + f"): {whose} current there is an estimate, "
            "its angle held at the pre-fault value and its magnitude within the limit "
            "(a real converter loses phase lock and ceases or trips); those rows are "
            "flagged in the `pll_frozen` column — " + tail)


def _span(values: list[float], fmt: str) -> str:
    """One figure of a group of notes: itself when all agree, else ``lowest–highest``."""
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def pll_lines(notes: list[PllNote], detail: dict | None = None) -> list[str]:
    """The PLL notes of every slice (:class:`PllNote`) as one ``note:`` line per whose
    control it is, with one count that says what it counts: the fault buses over every slice
    where the caller knows them (``detail["n_buses"]``: ``protv2g run``,
    :func:`protv2g.cli._pll_detail`, whose ``detail["tail"]`` names them and the findings
    concerned), else the most in one slice (review rev41c F: "8" and "9 fault bus(es)" on two
    lines, the slices with and without a tracking residual; ``faults`` said 6; ``hosting``
    printed it as "warning 1/1 during the hosting search: SliceNote … (132×)")."""
    by: dict[str, list[PllNote]] = {}
    for m in notes:
        by.setdefault(m.units, []).append(m)
    out = []
    for units, group in by.items():
        n = [float(m.n_buses) for m in group]
        per = _span(n, "{:.0f}")
        k = len(group)
        total = (detail or {}).get("n_buses")
        # what a count counts, in words (c10c42: "in one slice" said nothing to an engineer):
        # a slice is one fault study, one scenario × the maximum or minimum case × one fault
        # type; ``k`` the studies with such buses; a bus held in several counts in each
        study = "one scenario, the maximum or minimum case, one fault type"
        if total:
            count = (f"{total} fault bus(es) in all ({per} in each of the {k} fault studies "
                     f"where it happens, a fault study being {study})" if k > 1
                     else f"{total} fault bus(es) in all")
        else:
            count = (f"up to {max(n):.0f} fault bus(es) in any one fault study ({study}"
                     + (f"; {per} in each of the {k} studies where it happens, a bus counted "
                        "once in each" if k > 1 else "") + ")")
        res = [m.residual_pu for m in group if m.residual_pu is not None]
        out.append("note: " + pll_text(count, units, _span(res, "{:.2e}") if res else None,
                                       (detail or {}).get("tail")))
    return out
