"""The warning class of an engine note about one fault-study slice (scenario, case, fault type).

Its own light module (no engine import) so that the CLI can fold the notes of many slices by
type (:func:`protv2g.cli._print_notes`) without importing the engines: ``protv2g validate``
and ``--help`` import no heavy package (``tests/test_validate_light.py``).
"""

from __future__ import annotations

__all__ = ["SliceNote"]


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
