"""The fault studies ``protv2g init`` quotes, on the study's base case (review rev36a T6).

The study's base case (no V2G) leaves out the sites' own model transformers init writes
(``model_transformer``: :func:`protv2g.study.dss_site_transformers.base_case_model`). init's
figures "without V2G" — the candidate table, the fuses' link swap times, every drafted
rating and its X/R, the head relay's rule — are read on it; with the YNd depot transformer
of review rev36a in, IEEE 8500's hvmv_sub_48332 SLG read 8.56 kA where the base case has
8.26 kA (OpenDSS 8,257 A). A device on such a transformer itself (the site's own fuse) has
no current in the base case: its figures are the model's with the transformer in, and its
TODO says it is the project's (:func:`.draft_text.project_device_caveat`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from protv2g.engine.phase import PhaseDevice
from protv2g.network.dss_model import DssModel
from protv2g.study_draft.head_rule import head_fault_study
from protv2g.study_draft.ratings import device_x_r

__all__: list[str] = []


def _base_case_studies(model: DssModel, devices: Sequence[PhaseDevice],
                       base_open: Sequence[str]):  # noqa: ANN202
    """``(base model, its fault study, the fault study with the project's transformers)``:
    the study's base case, without the sites' own model transformers ``base_open`` (as ``init
    --redraft`` reads it, :func:`protv2g.study_draft.redraft.redrafted`: ``base_case_model``),
    the feeder's inverters by their law (:func:`.head_rule.head_fault_study`); the second
    study holds only the devices on a transformer taken out (they have no current in the
    base case; None when there are none). ``(model, study, None)`` without ``base_open``."""
    if not base_open:
        return model, head_fault_study(model, devices), None
    from protv2g.network.dss_site_transformers import without_elements

    gone = {str(n).lower() for n in base_open}
    base = without_elements(model, base_open)
    kept = [d for d in devices if str(d.element).lower() not in gone]
    mine = [d for d in devices if str(d.element).lower() in gone]
    return (base, head_fault_study(base, kept),
            head_fault_study(model, mine) if mine else None)


def _device_table(base_res, res) -> pd.DataFrame:  # noqa: ANN001
    """The device fault rows init quotes: the base case's, and the project's own devices'
    rows with their transformer in (:func:`_base_case_studies`)."""
    rows = base_res.device_rows(1.0)
    return rows if res is None else pd.concat([rows, res.device_rows(1.0)],
                                              ignore_index=True)


def _device_peak(base_res, res) -> pd.Series:  # noqa: ANN001
    """Device → the largest phase current of the IEC 60909 max case (kA), on the studies of
    :func:`_device_table`."""
    parts = [base_res.device_summary] + ([] if res is None else [res.device_summary])
    s = pd.concat(parts, ignore_index=True)
    return s[s.case == "max"].groupby("device").i_phase_max_ka.max()


def _device_x_r(model: DssModel, base_model: DssModel, devices: Sequence[PhaseDevice],
                on_xf: Sequence[PhaseDevice]) -> dict[str, float]:
    """X/R at each device's terminal (:func:`.ratings.device_x_r`) on the base case, the
    project's own devices' (``on_xf``) on the model with their transformer."""
    out = device_x_r(base_model, [d for d in devices if d not in on_xf])
    return {**out, **(device_x_r(model, list(on_xf)) if on_xf else {})}
