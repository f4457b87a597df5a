"""Hypothesis fuzzing over study documents: validation never raises, it only reports issues.

Documents are the depot example with random mutations (values of the wrong type, NaN/inf,
deleted and invented keys, nested junk). The feeder is loaded once and reused so a few hundred
examples run in seconds; file reading itself is covered by test_hostile.py.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import protv2g.study.loader as loader
from protv2g.errors import Issue

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
BASE = yaml.safe_load(DEPOT.read_text())

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(junk)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=10))] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@pytest.fixture(scope="module")
def cached_feeder():
    source = loader.FeederSource.model_validate(BASE["feeder"])
    return loader._load_feeder(source, DEPOT.parent, str(DEPOT))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=mutated_documents())
def test_validation_never_raises(doc, cached_feeder, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(loader, "_load_feeder", lambda *a, **k: cached_feeder)
    path = tmp_path_factory.mktemp("fuzz") / "study.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    issues = loader.validate_study(path)
    assert all(isinstance(i, Issue) and i.file and i.message for i in issues)
    for issue in issues:
        str(issue)
