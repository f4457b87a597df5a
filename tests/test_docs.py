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
