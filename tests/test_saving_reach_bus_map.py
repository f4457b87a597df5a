"""``saving_reach.line_ends`` with the model's bus → elements map (:func:`bus_elements`, built
once per check run) gives what the scan of every element gives (#21, a performance change:
nothing reported moves), on the OpenDSS example with its close-in positions."""

from __future__ import annotations

from pathlib import Path

from protv2g import load_study
from protv2g.checks.saving_reach import bus_elements, line_ends
from protv2g.network.fault_positions import with_close_in_positions
from protv2g.pipeline import study_with_sites

EXAMPLE = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example" / "study.yaml"


def test_bus_map_gives_the_scans_line_ends():
    study = with_close_in_positions(study_with_sites(load_study(EXAMPLE)))
    model = study.model
    at_bus = bus_elements(model)
    # the map holds each element under every bus it touches, once, rows ascending
    for name, rows in at_bus.items():
        assert rows == sorted(set(rows))
        assert all(name in model.elements.buses.iat[k] for k in rows)
    assert sum(len(r) for r in at_bus.values()) == sum(
        len(set(b)) for b in model.elements.buses)
    found = 0
    for device in study.device_sites:
        want = line_ends(study, device)
        assert line_ends(study, device, at_bus) == want
        found += want is not None
    assert found >= 1  # at least one fuse on a split line (else the test shows nothing)
