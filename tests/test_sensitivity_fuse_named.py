"""C5 says where a failing primary-zone bus lies behind a line named like a fuse that the study
does not model as one (review rev30 §4, EPRI ckt5: 8 of the head's 9 failing buses lie behind
``line.mdv201_103746fuse``; in the field that fuse's zone, the head its backup at 1.45 × ≥
1.2 ×). The lines come from the study (init's list), not from names read by the check."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.reach_fuse_named import behind_unmodelled_fuse  # noqa: E402
from protv2g.study import load_study  # noqa: E402
from protv2g.study.schema import Checks  # noqa: E402
from protv2g.topology import device_chains  # noqa: E402

from .test_init_fuse_named import MASTER  # noqa: E402

STUDY = """name: fz
feeder:
  opendss: Master.dss
  adopt_devices: false
devices:
  - {name: R, kind: relay, location: {line: trunk, end: from}, pickup_a: 100, curve: IEEE-VI,
     time_dial: 0.5, ground_pickup_a: 40, ground_curve: IEEE-VI, ground_time_dial: 0.5}
  - {name: F8, kind: fuse, location: {line: lat8_FUSE, end: from}, link: 25K}
v2g_sites: []
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fz")
    (folder / "Master.dss").write_text(MASTER.format(fuse=""))
    (folder / "study.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(folder / "study.yaml")


def test_the_study_carries_inits_lines_without_its_own_devices(study):
    # lat8_fuse carries the study's fuse F8: not an unmodelled fuse any more
    assert study.unmodelled_fuse_lines == ("line.lat7_fuse",)


def test_a_bus_behind_it_is_said_with_the_backup_verdict(study):
    ctx = types.SimpleNamespace(study=study, thresholds=Checks(),
                                chains=device_chains(study.feeder, study.device_sites))
    b1, b2, b3 = study.model.bus_index(["b1", "b2", "b3"]).tolist()
    out = behind_unmodelled_fuse(ctx, np.array(["R"] * 4, dtype=object),
                                 np.array([b2, b2, b3, b1]),
                                 np.array(["primary", "primary", "primary", "primary"],
                                          dtype=object), np.array([1.45, 1.1, 1.0, 1.0]))
    assert out[0] == (" (behind line.lat7_fuse, named like a fuse and not modelled: in the "
                      "field that fuse's zone; as backup R reaches it with 1.45 × ≥ 1.2 ×)")
    assert out[1].endswith("reaches it with 1.10 × < 1.2 ×, short of a backup's reach too)")
    assert out[2:] == ["", ""]           # behind the study's fuse F8; on the trunk
    backup = behind_unmodelled_fuse(ctx, np.array(["R"], dtype=object), np.array([b2]),
                                    np.array(["backup"], dtype=object), np.array([1.0]))
    assert backup == []                  # no primary row: nothing to say
