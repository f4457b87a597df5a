"""The study's power flows (:func:`study_flow`, :func:`flow_tables` for the hosting search's
own scenarios) and the V2G net the flows and the fault tables run on
(:func:`study_with_sites`). Part of the one pipeline of :mod:`protv2g.pipeline`, which
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import pandas as pd

from protv2g.flow import FlowResult, flow_study
from protv2g.network.site_transformer import with_site_transformers
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study

__all__ = ["FLOW_TABLES", "LazyTables", "flow_tables", "study_flow", "study_with_sites"]


def study_with_sites(study: Study) -> Study:
    """The study with its sites' interconnection transformers in the net (the V2G net); an
    OpenDSS feeder's study as it is (its sites are generators on their phases)."""
    if study.model is not None:
        return study
    return with_site_transformers(study)  # type: ignore[return-value]


def study_flow(study: Study, day: bool | None = None) -> FlowResult:
    """The study's own flow scenarios (and its 96-step day when the study asks for it, or
    ``day`` says so), on the net with the sites' interconnection transformers; an OpenDSS
    feeder in OpenDSS.

    An OpenDSS feeder's flow gets C8's limits (:func:`~protv2g.checks.load_tap_path.c8_limits`,
    plain numbers by device): its snapshots near them are solved again with the taps held and
    a tap moved (:mod:`protv2g.flow.held_taps`, review rev49b #5); the check reads the columns.
    The hosting search's flows (:func:`flow_tables`) do not: its C8 rows are judged on the
    flow's own path, as before."""
    study = study_with_sites(study)
    limits = None
    if study.model is not None:
        from protv2g.checks.load_tap_path import c8_limits

        limits = c8_limits(study)
    return _flow(study, day=study.document.scenarios.day if day is None else day,
                 c8_limits=limits)


def _flow(study: Study, day: bool, base_open: Sequence[str] | None = None,
          not_built: Sequence[str] = (),
          c8_limits: Mapping[str, tuple[float, float]] | None = None) -> FlowResult:
    """The flow study of the study's feeder kind (OpenDSS feeders solve in OpenDSS);
    ``base_open``, ``not_built``, ``c8_limits`` as :func:`protv2g.pipeline_dss.dss_flow`."""
    if study.model is not None:
        from protv2g.pipeline_dss import dss_flow

        return dss_flow(study, day, base_open, not_built, c8_limits)
    return flow_study(study, day=day)


#: Flow tables by the names the checks read → attribute of :class:`~protv2g.flow.FlowResult`.
FLOW_TABLES = {"device": "devices", "bus": "buses", "branch": "branches"}
#: Tables only some flows have (None elsewhere): the loads below OpenDSS's Vminpu, read by
#: C8's rows at a device no site's current crosses (:mod:`protv2g.checks.load_voltage`).
OPTIONAL_FLOW_TABLES = {"loads_vmin": "loads_vmin"}


def flow_tables(study: Study, scenarios: Sequence[Scenario]) -> dict[str, pd.DataFrame] | None:
    """Power-flow tables (``device``, ``bus``, ``branch``) of arbitrary ``scenarios``.

    ``flow_study`` runs a study's own scenario axes, so scenarios that are not the study's own
    (the hosting search's export levels) are run as one variant study per exporting site
    (that site only, its levels as ``export_levels_kw``) whose scenarios are renamed to ours
    by (participation, load level, export kW). No 96-step day.

    Returns
    -------
    dict of DataFrame or None
        None when no scenario has a base case to run (the flow checks then say they could not
        be evaluated).

    Raises
    ------
    NotImplementedError
        For a scenario in which several sites export at once that is not one of the study's
        own scenarios.
    """
    scenarios = list(scenarios)
    study = study_with_sites(study)
    if set(scenarios) <= set(build_scenarios(study.document)):  # the study's own axes
        res = _flow(study, day=False)
        return {k: t for k, v in {**FLOW_TABLES, **OPTIONAL_FLOW_TABLES}.items()
                if (t := getattr(res, v, None)) is not None}

    base_open = None
    if study.model is not None:
        from protv2g.study.dss_site_transformers import site_transformer_names

        base_open = site_transformer_names(study.document)
    by_site: dict[str, list[Scenario]] = {}
    for sc in scenarios:
        exporting = [st.site for st in sc.sites if st.p_export_kw > 0]
        if len(exporting) > 1:
            raise NotImplementedError("flow for scenarios with several exporting sites that "
                                      "are not the study's own scenarios")
        if exporting:
            by_site.setdefault(exporting[0], []).append(sc)
    axes = study.document.scenarios.model_dump(mode="json")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in (*FLOW_TABLES,
                                                            *OPTIONAL_FLOW_TABLES)}
    bases: set[str] = set()  # base cases already taken (one per load level, whichever site)
    for site, wanted in by_site.items():
        key = {(sc.participation, sc.load_level, round(_export_kw(sc), 6)): sc.name
               for sc in wanted}
        variant = study.with_updates(
            v2g_sites=[s.model_dump(mode="json") for s in study.document.v2g_sites
                       if s.name == site],
            scenarios={**axes, "export_levels_fraction": None, "day": False,
                       "export_levels_kw": sorted({_export_kw(sc) for sc in wanted}),
                       "participation": sorted({sc.participation.value for sc in wanted}),
                       "load_levels": sorted({sc.load_level.value for sc in wanted})})
        rename: dict[str, str | None] = {}
        for vs in build_scenarios(variant.document):
            if vs.is_base:
                rename[vs.name] = vs.name if vs.name not in bases else None
                bases.add(vs.name)
            else:
                rename[vs.name] = key.get((vs.participation, vs.load_level,
                                           round(_export_kw(vs), 6)))
        # every site's own transformer out of the base case, not only the exporting one's:
        # one base case per load level serves every site's levels (review rev31 §3: the
        # homes' variant kept the depot's transformer in its base, the depot's did not);
        # the other sites are not built in this site's scenarios: their transformers out
        # of every step (review rev33b W1: the depot's YNd halved the head's residual in
        # the campus's flows)
        not_built = ()
        if base_open:
            from protv2g.study.dss_site_transformers import transformers_out

            not_built = transformers_out(study.document, wanted[0])
        res = _flow(variant, day=False, base_open=base_open, not_built=not_built)
        for k, attr in {**FLOW_TABLES, **OPTIONAL_FLOW_TABLES}.items():
            t = getattr(res, attr, None)
            if t is None:
                continue
            t = t.assign(scenario=t["scenario"].map(rename))
            parts[k].append(t[t["scenario"].notna()])
    if not bases:
        return None
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items() if v}


def _export_kw(sc: Scenario) -> float:
    return float(sum(st.p_export_kw for st in sc.sites))


class LazyTables(Mapping[str, pd.DataFrame]):
    """Tables by name, computed by ``compute()`` on first access (then kept).

    The hosting search hands its flow tables to the checks this way: the real checks read
    them (C8, C12), a stand-in criterion that does not costs no power flow.

    Example
    -------
    >>> flows = LazyTables(lambda: flow_tables(study, scenarios))  # doctest: +SKIP
    """

    def __init__(self, compute: Callable[[], Mapping[str, pd.DataFrame] | None]) -> None:
        self._compute = compute
        self._tables: dict[str, pd.DataFrame] | None = None

    def _get(self) -> dict[str, pd.DataFrame]:
        if self._tables is None:
            self._tables = dict(self._compute() or {})
        return self._tables

    @property
    def computed(self) -> bool:
        """Whether the tables were computed (a reader asked for one)."""
        return self._tables is not None

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
