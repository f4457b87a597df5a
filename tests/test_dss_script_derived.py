"""Views read from the OpenDSS engine and scripts alone, shared by a model and the models made
from it (``DssModel.derived`` with :data:`protv2g.network.dss_model.SCRIPT_KEYS`, #21).

References: OpenDSS itself (a fresh compile's transformer admittances through
``opendssdirect.py``, :func:`protv2g.network.dss_compile.rated_transformers`) and the IEEE 13
script's own text (its transformers state no ``normhkva``; its lines' ratings).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_close_in import close_in_model  # noqa: E402
from protv2g.network.dss_compile import rated_transformers  # noqa: E402
from protv2g.network.dss_model import SCRIPT_KEYS, load_dss_model  # noqa: E402
from protv2g.network.dss_ratings import (  # noqa: E402
    DEFAULT_RATED_LINES,
    RatingSource,
    default_rated_lines,
    default_rated_transformers,
    line_rating_sources,
    transformer_rating_sources,
)


@pytest.fixture(scope="module")
def ieee13(shared_dir):
    return load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")


def _counting(build):
    calls = []

    def counted(m):
        calls.append(m)
        return build(m)
    return counted, calls


def test_rated_transformers_built_once_for_a_model_and_its_close_in_model(ieee13):
    # the faults stage reads them on the close-in model, the Existing sources sheet on the
    # study's own: one fresh OpenDSS compile for both (the old code compiled twice)
    model = dataclasses.replace(ieee13)  # a fresh cache of its own, same engine and scripts
    close = close_in_model(model, [("line.650632", 1, "R1")]).model
    assert close is not model and close.engine is model.engine
    build, calls = _counting(lambda m: rated_transformers(m.source, m.redirects, m.engine))
    on_close = close.derived("rated_transformers", build)
    on_model = model.derived("rated_transformers", build)
    assert len(calls) == 1 and on_model is on_close
    # equal to OpenDSS's own on a compile of their own
    fresh = rated_transformers(model.source, model.redirects, model.engine)
    assert [t.element.name for t in fresh] == [t.element.name for t in on_model]
    for a, b in zip(fresh, on_model, strict=True):
        np.testing.assert_allclose(a.yprim_rated_s, b.yprim_rated_s, rtol=1e-12, atol=0)
        np.testing.assert_allclose(a.leak_s, b.leak_s, rtol=1e-12, atol=0)


def test_other_keys_and_own_values_stay_per_model(ieee13):
    model = dataclasses.replace(ieee13)
    other = dataclasses.replace(model)
    build, calls = _counting(lambda m: id(m))
    assert "feeder_graph_test" not in SCRIPT_KEYS
    assert model.derived("feeder_graph_test", build) != other.derived("feeder_graph_test", build)
    assert len(calls) == 2
    # a value a model sets for itself (the model without a site's transformer) is its own
    other._derived["rated_transformers"] = ()
    assert other.derived("rated_transformers", lambda m: 1 / 0) == ()
    # … and not the others' (the module's models share one engine and scripts)
    assert model.derived("rated_transformers", lambda m: ("built",)) != ()


def test_a_model_of_another_engine_builds_its_own(shared_dir):
    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    one, two = load_dss_model(master), load_dss_model(master)
    # a replace that swapped the engine shares the dict, not the view
    swapped = dataclasses.replace(one, _dss=two.engine)
    build, calls = _counting(lambda m: m.engine)
    assert one.derived("rated_transformers", build) is one.engine
    assert swapped.derived("rated_transformers", build) is two.engine
    assert len(calls) == 2


def test_default_rated_sets_read_once_and_equal_the_scripts_tables(ieee13):
    model = dataclasses.replace(ieee13)
    close = close_in_model(model, [("line.650632", 1, "R1")]).model
    lines = line_rating_sources(model.source, model.redirects)
    trafos = transformer_rating_sources(model.source, model.redirects)
    want_lines = frozenset(lines.index[lines.source == RatingSource.DEFAULT.value])
    want_trafos = frozenset(trafos.index[trafos.source == RatingSource.DEFAULT.value])
    assert default_rated_lines(close) == want_lines
    # the study's model reads the close-in model's set (checks/flow_series caches the same
    # key): not the scripts again
    assert model.derived(DEFAULT_RATED_LINES, lambda m: 1 / 0) is default_rated_lines(close)
    assert default_rated_transformers(model) == want_trafos
    # IEEE 13's script: no transformer states normhkva, so all are at OpenDSS's 110 % default
    assert "transformer.sub" in want_trafos and "transformer.xfm1" in want_trafos


def test_der_table_of_a_model_without_machines_compiles_nothing(ieee13, monkeypatch):
    # IEEE 13 has no Generator: no IEC correction, so no rated-ratio compile (the old code
    # compiled the model again for it on every study model, #21)
    import protv2g.engine.phase.iec_transformers as it
    from protv2g.engine.phase.der import der_table

    def refuse(*args, **kwargs):
        raise AssertionError("compiled")
    monkeypatch.setattr(it, "rated_transformers", refuse)
    model = load_dss_model(ieee13.source)
    assert not model.machines
    table = der_table(model)
    assert (table["iec_correction"] == "").all()
