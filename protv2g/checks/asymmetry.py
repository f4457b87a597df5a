"""C7's asymmetry physics, re-exported from :mod:`protv2g.engine.asymmetry` (moved there in
review s17 so that :mod:`protv2g.study_draft.ratings` need not import the checks).
"""

from protv2g.engine.asymmetry import (
    KAPPA_MAX,
    METHOD_B_MESHED_FACTOR,
    RATING_X_R_DEFAULT,
    asym_rms_factor,
    asym_rms_ka,
    driving_point_x_r,
    dss_driving_point_x_r,
    kappa_iec60909,
    peak_current_ka,
    rating_x_r_default,
)

__all__ = ["dss_driving_point_x_r", "kappa_iec60909", "peak_current_ka", "asym_rms_factor",
           "asym_rms_ka", "driving_point_x_r", "METHOD_B_MESHED_FACTOR", "KAPPA_MAX",
           "RATING_X_R_DEFAULT", "rating_x_r_default"]
