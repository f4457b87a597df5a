"""``run`` says what ``init`` said about the model (review s17 §3.10): the study's Feeder
warnings (``Study.feeder_warnings``, the run's "Feeder warnings" sheet) hold the open
terminal, the further Vsource, the absence of loads, the model's disabled devices the study
has in service and the dropped voltage relay — in init's words, from one source
(:func:`protv2g.study.model_notes.model_warning_rows`).

On EPRI's DG_Prot_Fdr (``../shared``): before session 18 the run's sheet had two rows (the
skipped ``solve`` and the disabled ``Fault.flt``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import dg_protection_copy

pytest.importorskip("opendssdirect")

from protv2g.study import load_study  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402


@pytest.fixture(scope="module")
def drafted(shared_dir: Path, tmp_path_factory):
    out = dg_protection_copy(shared_dir, tmp_path_factory, "dgrun")
    draft = draft_study(out / "DG_Prot_Fdr.dss")
    (out / draft.curves_folder).mkdir(exist_ok=True)
    (out / draft.curves_folder / "model_curves.yaml").write_text(draft.curves_text)
    return out, draft


def _load(folder: Path, text: str):
    (folder / "study.yaml").write_text(text)
    return load_study(folder / "study.yaml")


def test_run_warnings_say_what_init_said(drafted):
    folder, draft = drafted
    w = _load(folder, draft.text).feeder_warnings
    said = {f"{str(r.name).lower()}: {r.what} → {r.action}" for r in w.itertuples()}
    for note in draft.notes:
        if note.name.startswith(("transformer.", "vsource.", "model", "recloser.", "fuse.",
                                 "relay.")):
            assert str(note) in said, str(note)           # the same words, one source
    names = w["name"].str.lower().tolist()
    for name in ("transformer.tg", "vsource.windgen1", "model", "relay.lv"):
        assert name in names, name
    disabled = w[w["what"].str.startswith("disabled in the OpenDSS model")]
    assert sorted(disabled["name"].str.lower()) == ["fuse.f1", "fuse.f2", "recloser.a",
                                                   "recloser.b", "recloser.d"]
    assert len(w) == 13                                    # was 2 (solve, Fault.flt)


def test_a_device_the_study_does_not_have_is_not_said(drafted):
    folder, draft = drafted
    doc = yaml.safe_load(draft.text)
    doc["devices"] = [d for d in doc["devices"] if d["name"] != "f2"]
    for d in doc["devices"]:
        if d["name"] == "a":
            d["name"] = "rec-a"                           # renamed: found by its place
    w = _load(folder, yaml.safe_dump(doc)).feeder_warnings
    names = set(w["name"].str.lower())
    assert "recloser.a" in names and "fuse.f2" not in names
    assert "relay.lv" in names                           # dropped whatever the study has
