"""Every key of the study schema is documented in docs/study-file.md."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from protv2g.study import schema

from .conftest import REPO_DIR


def _models():
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and \
                value.__module__.startswith(schema.__name__) and not value.__name__.startswith("_"):
            yield value


def test_every_key_documented():
    doc = (REPO_DIR / "docs" / "study-file.md").read_text()
    missing = []
    for model in _models():
        for name in model.model_fields:
            if f"`{name}`" not in doc:
                missing.append(f"{model.__name__}.{name}")
    assert not missing, missing
    assert typing.get_args(schema.Device)  # the union of device kinds exists


def test_docs_explain_confirm_and_memory():
    # the confirm: kind, what "Rests on" means and how to confirm an input (input_basis.py),
    # C2's fuse-saving range and the memory estimate's ways out (pipeline_size.check_size)
    readme = " ".join((REPO_DIR / "README.md").read_text().split())  # words, not line breaks
    ref = " ".join((REPO_DIR / "docs" / "study-file.md").read_text().split())
    for text in (readme, ref):
        for words in ("`confirm:`", '"Rests on"', "`normamps`", "`normhkva`", "`# TODO`",
                      "fuse-saving range", "--json"):
            assert words in text, words
    for kind in ("`fail:`", "`condition:`", "`info:`"):
        assert kind in readme
    for way_out in ("`scenarios.export_levels_fraction`", "`faults.fault_types`",
                    "`faults.cases`", "--no-hosting", "--grid", "staged=False",
                    "half the machine's memory"):
        assert way_out in readme, way_out
