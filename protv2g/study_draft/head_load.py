"""The load current a drafted feeder-head relay must carry: the cases C8 judges it in.

C8 (load pickup margin, :mod:`protv2g.checks`) judges a device's pickup against the largest
load current through it in either direction, with a 1.5 margin, over every flow the study
runs: the peak and light levels without V2G, the sites exporting, and the charging snapshots
(:func:`protv2g.scenarios.charging_scenarios`: every site that can charge importing its
:func:`~protv2g.scenarios.site_charging_kw` at peak load, the feeder's own DER off).

A drafted device stands for the protection the feeder has before the V2G sites: its pickups
are set by the ``peak`` case alone, with or without ``init --site`` (review rev47a item 1:
drafted to carry the sites' charging — rev32a W3 —, IEEE 8500's head went 910 → 980 A and
lost two of its three mid-line reclosers, and the study judged "without V2G" on settings
chosen for V2G). The site cases are solved for the draft's comment: where one puts more than
a drafted pickup / 1.5 through the device, :func:`sites_comment` says so with the figures —
the V2G effect C8 reports ("caused by charging").

:func:`head_load_cases` solves, in OpenDSS (:class:`~protv2g.flow.opendss.DssFlowEngine`, the
engine the study's flows use, with the sites as its generators on their own phases):

* ``peak``: load fraction 1, the sites idle, the feeder's own DER off (gross load: review s18)
  — the study's base case: the sites' own model transformers (``base_open``) out, as the
  study's base flow has them (review rev33b W2: IEEE 123's depot YNd, kept in, took the
  head's residual 176 → 92 A, OpenDSS; the 51G drafted on 92 A failed its own C8);
* ``charging``: load fraction 1, every site charging its largest
  :func:`~protv2g.scenarios.site_charging_kw` over the study's participation cases (firm:
  every charger), DER off — C8's charging snapshot;
* ``export``: the light load fraction, every site exporting its largest
  :func:`~protv2g.scenarios.site_state` export over the participation cases (100 % export
  level), the DER as the model sets them — the largest reverse flow the study runs.

Each case gives the head's complex phase currents (A); the rule
(:func:`protv2g.study_draft.head_relay.propose_relay`) drafts on ``peak``'s largest phase
current and residual ``|Ia + Ib + Ic|``, and states the other cases' (a single-phase site's
current is residual at the head). Without sites only ``peak`` is solved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.flow.opendss import DssFlowEngine, DssFlowSite, DssWatch
from protv2g.network.dss_model import DssModel
from protv2g.scenarios import site_charging_kw, site_state
from protv2g.study.schema_sites import V2GSite
from protv2g.units import Participation

__all__ = ["SiteLoad", "site_loads", "head_load_cases", "LOAD_CASES", "CASE_WORDS",
           "load_said", "reach_conflict", "sites_comment", "sites_over", "SITES_COMMENT",
           "V2G_EFFECT", "RECLOSER_ELEMENTS",
           "load_behind_heads_kw"]

#: The cases solved, in order (module docstring).
LOAD_CASES = ("peak", "charging", "export")


@dataclass(frozen=True)
class SiteLoad:
    """A V2G site as the head's load cases see it: where it connects, what it draws charging
    and what it exports (kW, both ≥ 0: the largest over the study's participation cases)."""

    site: DssFlowSite
    charging_kw: float
    export_kw: float


def site_loads(sites: Sequence[V2GSite | dict],
               participation: Sequence[Participation | str]) -> list[SiteLoad]:
    """The sites of a study (or ``init``'s ``v2g_sites`` entries, validated here as a study
    would) with their largest charging and export over ``participation`` (module docstring).

    >>> s = site_loads([{"name": "lot", "bus": "b2", "n_chargers": 20, "p_charger_kw": 75}],
    ...                ["expected", "firm"])[0]
    >>> s.charging_kw, s.export_kw, s.site.phases
    (1500.0, 1500.0, 'abc')
    """
    parts = [Participation(p) for p in participation] or [Participation.FIRM]
    out = []
    for raw in sites:
        s = raw if isinstance(raw, V2GSite) else V2GSite.model_validate(raw)
        out.append(SiteLoad(
            DssFlowSite(s.name, s.bus, s.conductors, s.line_to_line),
            max(site_charging_kw(s, p) for p in parts),
            max(site_state(s, p, s.p_max_kw).p_export_kw for p in parts)))
    return out


def head_load_cases(model: DssModel, watches: Sequence[DssWatch],
                    sites: Sequence[SiteLoad] = (), light_fraction: float = 0.3,
                    base_open: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """The heads' phase currents in each load case (module docstring).

    Parameters
    ----------
    model : DssModel
        The feeder (compiled again in the flow engine's own OpenDSS context).
    watches : sequence of DssWatch
        The head terminals.
    sites : sequence of SiteLoad
        The V2G sites; none: only ``peak``.
    light_fraction : float
        Load fraction of the export case (``scenarios.light_load_fraction``).
    base_open : sequence of str
        The sites' own model transformers (``"transformer.depot_xf"``,
        :func:`~protv2g.study.dss_site_transformers.site_transformer_names`): open in
        ``peak`` (the base case), in the two V2G cases.

    Returns
    -------
    dict of str to numpy.ndarray
        Case (:data:`LOAD_CASES`) → ``(n_watches, 3)`` complex phase currents, A (NaN where
        the flow did not converge).

    Raises
    ------
    InputError
        A site on a bus or phase the model lacks (:class:`DssFlowEngine`).
    """
    engine = DssFlowEngine(model, [s.site for s in sites], watches,
                           base_open=tuple(base_open))
    peak = engine.solve(np.array([1.0]), np.zeros((len(sites), 1)),
                        der_fraction=np.array([0.0]), base_case=True).watch_i_a[0]
    if not sites:
        return {"peak": peak}
    charge = np.array([-s.charging_kw for s in sites]) / 1e3
    export = np.array([s.export_kw for s in sites]) / 1e3
    res = engine.solve(np.array([1.0, float(light_fraction)]), np.stack([charge, export], 1),
                       der_fraction=np.array([0.0, 1.0]))
    return {"peak": peak, "charging": res.watch_i_a[0], "export": res.watch_i_a[1]}


#: How the draft names each load case of :mod:`.head_load`.
CASE_WORDS = {"peak": "peak load", "charging": "peak load with the V2G sites charging",
              "export": "light load with the V2G sites exporting"}


def load_said(case: str, i_a: float, what: str = "load") -> str:
    """A load case's current, named.

    >>> load_said("charging", 431.2)
    '431 A at peak load with the V2G sites charging'
    >>> load_said("peak", 37.0, "residual")
    '37 A residual at peak load'
    """
    return f"{i_a:.0f} A{'' if what == 'load' else ' ' + what} at {CASE_WORDS.get(case, case)}"


#: What a reach TODO says resolves it (:func:`reach_conflict`), replaced where init found no
#: place for that recloser (:mod:`.mid_recloser`).
NEARER_RECLOSER = "a recloser nearer those faults would resolve it"


def reach_conflict(element: str, fault: str, pickup: float, floor: float, load: str,
                   i_min_primary: float | None, backup: Mapping[str, Any] | None,
                   case: str = "peak") -> str:
    """The TODO of a pickup that cannot both carry C8's load and reach C5's faults: the
    ceiling(s) C5 sets and the floor C8 sets, with the figures behind each (review rev32a
    W3: the conflict C5 backup ≤ 527 A vs C8 > 647 A was only in a recommendation).
    ``load``: :func:`load_said`'s text of the load case ``case`` that sets the floor."""
    need = []
    if i_min_primary is not None:
        need.append(f"≤ {i_min_primary / 1.5:.0f} A for the primary zone (its minimum "
                    f"{fault} {i_min_primary:.0f} A, IEC 60909 min, / 1.5)")
    if backup is not None and floor > backup["i_a"] / 1.2:
        need.append(f"≤ {backup['i_a'] / 1.2:.0f} A for backup reach ({backup['device']}'s "
                    f"zone: {backup['fault']}, {backup['i_a']:.0f} A / 1.2)")
    # only backup reach short (the primary zone reached): the faults are another device's
    # zone, a recloser nearer them is what is already there (review rev42a M6)
    resolve = (f"{backup['device']} clears those faults with no backup from this element"
               if i_min_primary is None and backup is not None else
               NEARER_RECLOSER)
    return (f"{element} reach: C5 needs the pickup " + " and ".join(need)
            + f", C8 needs it > {floor:.0f} A (1.5 × {load}); drafted {pickup:.0f} A "
            f"carries the load: C5 will report the faults it does not reach ({resolve}"
            + (", or capping or scheduling the sites' charging" if case == "charging"
               else "") + ")")


#: How the draft's comment on the sites' load cases starts (:func:`sites_comment`).
SITES_COMMENT = "with the V2G sites (C8's flows): "


def sites_over(figures: Mapping[str, Any], pickups_a: Mapping[str, float | None],
               labels: Mapping[str, str] | None = None) -> list[str]:
    """The site flows that put more than a drafted pickup / 1.5 through the device — C8's
    margin, the V2G effect the study reports ("caused by charging"): the draft does not raise
    the setting for them (it stands for the feeder without the sites, review rev47a item 1),
    it says them. ``pickups_a``: ``{"51P": …, "51G": …}`` (None or NaN: no such element);
    ``labels``: how the elements are named (a recloser's ``phase minimum trip``).

    >>> sites_over({"load_cases_a": {"peak": 312.0, "charging": 431.4},
    ...             "residual_cases_a": {"peak": 37.0, "charging": 41.0}},
    ...            {"51P": 630.0, "51G": 160.0})
    ['charging at peak load 431 A > 51P 630 A / 1.5 = 420 A']
    """
    out = []
    for key, cases in (("51P", figures.get("load_cases_a", {})),
                       ("51G", figures.get("residual_cases_a", {}))):
        p = pickups_a.get(key)
        if p is None or not p == p or p <= 0:
            continue
        for c, what in (("charging", "charging at peak load"),
                        ("export", "exporting at light load")):
            i = float(cases.get(c, float("nan")))
            if i == i and i > p / 1.5:
                out.append(f"{what} {i:.0f} A{' 3I0' if key == '51G' else ''} > "
                           f"{(labels or {}).get(key, key)} "
                           f"{p:.0f} A / 1.5 = {p / 1.5:.0f} A")
    return out


#: How :func:`sites_over` names a drafted recloser's elements.
RECLOSER_ELEMENTS = {"51P": "phase minimum trip", "51G": "ground minimum trip"}
#: What the draft says of a site flow past a drafted pickup / 1.5 (:func:`sites_comment`).
V2G_EFFECT = ("C8 will report it as the V2G effect (caused by charging or export): the "
              "setting is drafted for the feeder without the sites, as the utility has it")


def sites_comment(figures: Mapping[str, Any], entry: Mapping[str, Any] | None = None,
                  labels: Mapping[str, str] | None = None) -> str:
    """The head's load in the flows with the V2G sites, for the drafted relay's comments
    (a proposal's ``figures``: ``load_cases_a``, ``residual_cases_a``); "" without sites.
    ``entry``: the drafted relay (``pickup_a``, ``ground_pickup_a``): the flows past
    pickup / 1.5 said (:func:`sites_over`, its elements named by ``labels``).

    >>> sites_comment({"load_cases_a": {"peak": 312.0, "charging": 431.4},
    ...                "residual_cases_a": {"peak": 37.0, "charging": 41.0}})
    "with the V2G sites (C8's flows): charging at peak load 431 A, 3I0 41 A"
    >>> sites_comment({"load_cases_a": {"peak": 312.0, "charging": 431.4},
    ...                "residual_cases_a": {"peak": 37.0, "charging": 41.0}},
    ...               {"pickup_a": 630.0, "ground_pickup_a": 160.0}).split("3I0 41 A; ")[1][:62]
    'charging at peak load 431 A > 51P 630 A / 1.5 = 420 A: C8 will'
    """
    i, i0 = figures.get("load_cases_a", {}), figures.get("residual_cases_a", {})
    said = [f"{what} {i[c]:.0f} A, 3I0 {i0.get(c, float('nan')):.0f} A"
            for c, what in (("charging", "charging at peak load"),
                            ("export", "exporting at light load")) if c in i]
    if not said:
        return ""
    over = sites_over(figures, {"51P": (entry or {}).get("pickup_a"),
                                "51G": (entry or {}).get("ground_pickup_a")}, labels)
    return (SITES_COMMENT + "; ".join(said)
            + (f"; {'; '.join(over)}: {V2G_EFFECT}" if over else ""))


def load_behind_heads_kw(model: DssModel, heads: Sequence[tuple[str, int]],
                         leave_out: frozenset[str] = frozenset()
                         ) -> tuple[dict[str, float], float]:
    """The model's enabled loads' kW as its script sets them (OpenDSS ``Loads``, LoadMult 1),
    split by where they sit in the source's tree (review rev32a W9, EPRI J1: "peak 10,950
    kW" held a 5,000 kW ``Aggregate_Load`` on the source bus, upstream of the feeder head).

    ``heads``: (name, far bus index) of each feeder head. Returns (head name → kW of the loads
    at or below its far bus, kW of the loads behind no head: on the source side of every
    head); ``({}, nan)`` when the engine cannot say. ``leave_out``: load names (lower case)
    not counted — the project's own loads behind its site transformer, which are not in the
    feeder's load without V2G (review rev37a F2).
    """
    import networkx as nx

    from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses

    try:
        dss, kw_at = model.engine, {}
        loads, k = dss.Loads, dss.Loads.First()
        while k > 0:
            if str(loads.Name()).lower() in leave_out:
                k = loads.Next()
                continue
            dss.Circuit.SetActiveElement(f"load.{loads.Name()}")
            bus = str(dss.CktElement.BusNames()[0]).split(".")[0].lower()
            kw_at[bus] = kw_at.get(bus, 0.0) + float(loads.kW())
            k = loads.Next()
    except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
        return {}, float("nan")
    tree = nx.bfs_tree(dss_feeder_graph(model), next(iter(dss_source_buses(model).values())))
    names = list(model.buses.index)
    behind, left = {}, dict(kw_at)
    for name, far in heads:
        below = {names[b] for b in {far} | set(nx.descendants(tree, far))}
        behind[name] = sum(kw for bus, kw in kw_at.items() if bus in below)
        left = {bus: kw for bus, kw in left.items() if bus not in below}
    return behind, float(sum(left.values()))
