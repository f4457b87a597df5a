"""Sequence networks built once per run and handed on (#21, session 19).

References: no new physics — each check compares the reused or lazily built object with the
one built as before, exactly (bit for bit); a singular matrix keeps its ``InputError``.

* :func:`protv2g.engine.sequence.tree_and_lu`: a radial network's SuperLU is made on first
  use only, the same factorisation as made at once; an exactly singular radial matrix (no
  path to ground: ``[[1, -1], [-1, 1]]``) still raises the singular-matrix error.
* :func:`protv2g.engine.sequence.positive_sequence_network` (C7's X/R) = the positive sequence
  of :func:`~protv2g.engine.sequence.build_sequence_networks`.
* ``FaultTables.networks``: the Charger stages table re-solved on the faults stage's networks
  equals the one that builds its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from protv2g.engine.sequence import (
    build_sequence_networks,
    copy_net,
    positive_sequence_network,
    tree_and_lu,
)
from protv2g.errors import InputError
from protv2g.units import Case, Method

from .conftest import REPO_DIR

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def depot():
    from protv2g import load_study

    return load_study(DEPOT)


def test_singular_radial_matrix_still_raises() -> None:
    y = sp.csc_matrix(np.array([[1, -1], [-1, 1]], dtype=complex))
    with pytest.raises(InputError, match="singular admittance matrix"):
        tree_and_lu(y)


def test_radial_lu_made_on_first_use_is_the_same_factorisation() -> None:
    y = sp.csc_matrix(np.array([[3, -1, 0], [-1, 2.5, -1], [0, -1, 1.5]], dtype=complex))
    tree, lu = tree_and_lu(y)
    assert tree is not None and lu is None
    rhs = np.array([1.0, 2.0j, -0.5])
    want = splu(y, permc_spec="COLAMD").solve(rhs.astype(complex))
    from protv2g.engine.sequence import factorise

    assert np.array_equal(factorise(y).solve(rhs.astype(complex)), want)


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("case", list(Case))
def test_positive_sequence_alone_equals_the_full_build(depot, method, case) -> None:
    net = depot.net
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = build_sequence_networks(copy_net(net), net, case, method,
                                       zero_sequence=False).pos
        alone = positive_sequence_network(net, case, method)
    assert (full.y_pu != alone.y_pu).nnz == 0
    assert np.array_equal(full.bus_lookup, alone.bus_lookup)
    assert np.array_equal(full.base_kv, alone.base_kv)
    assert alone.yf_pu is None and alone.yt_pu is None
    assert np.array_equal(full.tree.d, alone.tree.d)
    # the lazily made LU is the eager one's
    rhs = np.linspace(0.0, 1.0, full.n_bus) + 0.5j
    assert np.array_equal(full.lu.solve(rhs), splu(full.y_pu, permc_spec="COLAMD").solve(rhs))


def test_charger_stages_on_the_faults_stage_networks(depot) -> None:
    from protv2g.checks import check_study
    from protv2g.pipeline import fault_tables, study_flow, study_with_sites
    from protv2g.scenarios import build_scenarios
    from protv2g.stage_report import findings_stage_table

    study = study_with_sites(depot)
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faults = fault_tables(study, scenarios)
        violations = check_study(study, faults, study_flow(study), scenarios)[0]
        assert faults.networks  # both cases, built by the engine call
        # a radial feeder: no SuperLU made by the engine (its solves are the tree passes)
        assert all(x._lu is None for cn in faults.networks.values()
                   for x in (cn.pos, cn.neg, cn.zero))
        keys = dict(faults.networks)
        given = findings_stage_table(study, violations, scenarios, close_in=faults.close_in,
                                     networks=faults.networks)
        own = findings_stage_table(study, violations, scenarios, close_in=faults.close_in)
    assert len(given)
    pd.testing.assert_frame_equal(given, own)
    # read only: nothing put in (or taken from) the stage's dict
    assert list(faults.networks) == list(keys)
    assert all(faults.networks[k] is v for k, v in keys.items())
