"""``init --site`` charger ratings a unit slip puts orders of magnitude off, said at once
(review rev48b P10)."""

from __future__ import annotations

__all__ = ["site_kw_slip"]


def site_kw_slip(text: str, site: dict) -> str:
    """What ``validate`` would warn of a ``--site`` charger rating ``text`` (parsed:
    ``site``), said by ``init`` at once (review rev48b P10: ``depot:840:4:0.15``, MW for kW,
    drafted silently): below :data:`~protv2g.study.plausibility.CHARGER_MIN_KW` (under SAE
    J1772 AC Level 1, 1.44 kW) likely MW, above
    :data:`~protv2g.study.plausibility.CHARGER_MAX_KW` (the MCS connector, 3.75 MW) likely
    W; "" otherwise.

    >>> site_kw_slip("depot:840:4:0.15", {"p_charger_kw": 0.15})[:60]
    '--site depot:840:4:0.15: 0.15 kW per charger is below the sm'
    >>> site_kw_slip("depot:840:4:150", {"p_charger_kw": 150.0})
    ''
    """
    from protv2g.study.plausibility import CHARGER_MAX_KW, CHARGER_MIN_KW

    kw = float(site["p_charger_kw"])
    head, _, _ = text.strip().rpartition(":")
    if kw < CHARGER_MIN_KW:
        return (f"--site {text}: {kw:g} kW per charger is below the smallest charging level "
                "(SAE J1772 AC Level 1, 1.44 kW): MW given as kW? The study is drafted with "
                f"it; for {kw * 1000:g} kW per charger give --site {head}:{kw * 1000:g}")
    if kw > CHARGER_MAX_KW:
        return (f"--site {text}: {kw:,.0f} kW per charger is above the largest charger "
                "connector (MCS, 3,750 kW): W given as kW? The study is drafted with it; for "
                f"{kw / 1000:g} kW per charger give --site {head}:{kw / 1000:g}")
    return ""
