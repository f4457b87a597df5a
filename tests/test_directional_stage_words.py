"""C9's fault rows say which charger stage their current is (review rev50a #7d: IEEE 123 R-L58,
SLG-c at 100, firm/light/100 %: C5's row gives the sustained stage's 3I0, 136.98 A, C9's
Directional row the first cycle's, 150.42 A — OpenDSS first cycle 150.43 A — and neither text
said which).

Hand study (:mod:`tests.test_checks_common`): R3 forward-directional with its 67P unable to
polarise (no memory, minimum 2 pu), a forward 3ph fault at B2 of 2,000 A: a fails-to-trip row.
"""

from __future__ import annotations

import pytest

from protv2g.checks.directional import FAILS_TO_TRIP
from tests.test_checks_common import make_study
from tests.test_checks_common import with_devices as _with
from tests.test_directional_flow import _c9, _flow


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("hand_stage"))


def test_a_fails_to_trip_row_says_its_current_is_the_first_cycle(hand) -> None:
    s = _with(hand, R3={"directional": {"memory": False, "phase_min_polarising_pu": 2.0}})
    c9 = _c9(s, _flow(150.0))
    row = c9[c9.mechanism == FAILS_TO_TRIP].iloc[0]
    assert "picks up on 2000 A (first cycle of the chargers' contribution, on which the " \
        "directional decision is made; C5 judges a time-delayed element on the sustained " \
        "stage; without directional control it would trip in" in row.message
