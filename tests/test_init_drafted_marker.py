"""init marks the relay it drafts on the relay's own line (session 40; ver38: IEEE 8500's
reviewer put ``f_campus`` between init's TODO comments and the drafted head relay; the
comments' field became ``f_campus``'s, ``init --redraft`` found no drafted relay and said
"nothing re-drafted", and ``run``'s rows rested on a drafted ``f_campus``).

The relay's TODO now sits on its ``name`` line and names it
(:data:`protv2g.study.todos.DRAFTED_RELAY_MARK`); a study drafted before, with the TODO on a
comment line above the item, is read by the name the TODO gives, wherever the user inserted an
item (:func:`protv2g.study.todos.drafted_relay_items`).
"""

from __future__ import annotations

import shutil
import warnings

import pytest
import yaml

from .conftest import FEEDERS_DIR

pytest.importorskip("opendssdirect")

from protv2g.input_stand_ins import drafted_devices  # noqa: E402
from protv2g.study import load_study, validate_study  # noqa: E402
from protv2g.study.todos import todo_items  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.redraft import _drafted_relays  # noqa: E402

#: A relay of the user's, written between init's comments and its drafted relay.
INSERTED = ("  - name: r-user\n    kind: relay\n    location: {line: l2, end: from}\n"
            "    pickup_a: 400\n    curve: IEEE-VI\n    time_dial: 1.0\n"
            "    interrupting_rating_ka: 10\n")


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """The example feeder without its recloser and PV (init drafts head-l1 at l1), drafted."""
    folder = tmp_path_factory.mktemp("ex")
    for f in ("Master.dss", "LineCodes.dss"):
        shutil.copy(FEEDERS_DIR / "opendss_example" / f, folder / f)
    lines = (folder / "Master.dss").read_text().splitlines()
    keep = [ln for i, ln in enumerate(lines) if not ln.startswith(("New Recloser", "New PVSystem"))
            and not (ln.startswith("~") and lines[i - 1].startswith(("New Recloser", "~ phase")))]
    (folder / "Master.dss").write_text("\n".join(keep) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return folder, draft_study(folder / "Master.dss").text


def _item_start(text: str, name: str) -> int:
    """Where the comment block above the item ``name`` begins (the line after the item
    before it)."""
    lines = text.splitlines(keepends=True)
    at = next(k for k, ln in enumerate(lines) if ln.startswith(f"  - name: {name}"))
    k = at
    while lines[k - 1].lstrip().startswith("#"):
        k -= 1
    return sum(len(ln) for ln in lines[:k])


def _found(folder, text: str):
    path = folder / "study.yaml"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert validate_study(path) == []
        study = load_study(path)
    return ({d.name for d in _drafted_relays(study).values()}, drafted_devices(study)[0],
            {i.field.split(" (")[0] for i in todo_items(path)
             if i.message.startswith("assumed feeder-head relay")})


def test_the_drafted_relay_is_marked_on_its_own_line(drafted):
    folder, text = drafted
    (line,) = [ln for ln in text.splitlines() if "TODO: assumed feeder-head relay" in ln]
    assert line.startswith("  - name: head-l1  # TODO: assumed feeder-head relay head-l1: ")
    (ct,) = [ln for ln in text.splitlines() if "CT ratio not known" in ln]
    assert ct.startswith("    kind: relay  # TODO: CT ratio not known")
    k = [d["name"] for d in yaml.safe_load(text)["devices"]].index("head-l1")
    assert _found(folder, text) == ({"head-l1"}, {"head-l1"}, {f"devices[{k}]"})


def test_an_item_inserted_above_the_relay_takes_nothing(drafted):
    """The user's relay right above ``head-l1``, below init's comments on it (ver38's
    ``f_campus``): the old comment form gave it the relay's TODOs; now it takes none."""
    folder, text = drafted
    at = text.index("  - name: head-l1")
    text = text[:at] + INSERTED + text[at:]
    names = [d["name"] for d in yaml.safe_load(text)["devices"]]
    assert names.index("r-user") + 1 == names.index("head-l1")
    assert _found(folder, text) == ({"head-l1"}, {"head-l1"},
                                    {f"devices[{names.index('head-l1')}]"})


def test_a_study_drafted_before_is_read_by_the_name_its_todo_gives(drafted):
    """The comment form (the TODO on a line above the item, before session 40), with the
    user's relay inserted between it and the relay: the old reader took ``r-user`` as the
    drafted relay and left ``head-l1`` out."""
    folder, text = drafted
    lines = text.splitlines(keepends=True)
    k = next(i for i, ln in enumerate(lines) if ln.startswith("  - name: head-l1  # TODO"))
    name_line, todo = lines[k].split("  # ", 1)
    at = k
    while lines[at - 1].lstrip().startswith("#"):
        at -= 1
    old = lines[:at] + [f"  # {todo}"] + lines[at:k] + [name_line + "\n"] + lines[k + 1:]
    old_text = "".join(old)
    assert _found(folder, old_text)[:2] == ({"head-l1"}, {"head-l1"})  # as it was drafted
    at = _item_start(old_text, "head-l1")
    # the comment block now ends above the user's relay: insert it below the block
    block_end = old_text.index("  - name: head-l1")
    inserted = old_text[:block_end] + INSERTED + old_text[block_end:]
    assert at < block_end
    found, whole, _fields = _found(folder, inserted)
    assert found == {"head-l1"} and "head-l1" in whole
