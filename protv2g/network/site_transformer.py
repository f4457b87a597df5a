"""Interconnection transformers of V2G sites: a pure net transformation.

A charger site behind its own step-up transformer is, for a ground fault on the MV feeder,
more than a current source: a transformer grounded-wye on the MV (HV) side and delta on the
charger (LV) side is a zero-sequence source — it feeds ``3I0`` into upstream and adjacent-feeder
ground faults whatever the chargers do, desensitising 51G/67N and possibly tripping the healthy
feeder's ground element (IEEE 1547.2-2023 §8.3, "grounding and effective grounding";
IEEE C62.92.6). :func:`add_site_transformers` returns a **new** net (the caller's is never
mutated) with, for each site that declares one:

* a site bus on the LV side, named ``<site>-LV`` (``vn_kv`` = the transformer's LV rating);
* a pandapower two-winding transformer from the site's MV bus (HV side) to it, with its
  vector group, phase shift (``30°·clock``), zero-sequence short-circuit data
  (``vk0_percent``, ``vkr0_percent``, ``mag0_percent``, ``si0_hv_partial``) and neutral
  impedance (``rn_ohm``, ``xn_ohm``, on the grounded-wye winding), so that
  :mod:`protv2g.engine` (pandapower's ``_pd2ppc_zero``) sees a zero-sequence source exactly
  where the winding makes one: ``YNd`` to the MV side, ``Dyn`` to the LV side only, ``YNyn``
  passing zero sequence through, ``Yd``/``Dy``/``Yy``/``Dd`` none;
* the site moved to that bus (``site_buses``).

Defaults (documented in ``docs/study-file.md``): 480 V LV side; ``vk = 5.75 %`` and
``X/R = 5`` (typical 500–2500 kVA liquid-filled pad-mounts, IEEE C57.12.00-2015 Table 10 lists
5.75 % for 750–2500 kVA); ``vk0 = vk`` (three-legged core-form units have ``Z0`` of 0.85–1.0
``Z1``; shell-form and banks ``Z0 = Z1``); clock 1 for ``YNd``/``Dyn``/``Yd``/``Dy``, 0 for the
others; magnetising zero-sequence impedance 100 % of ``vk0`` (pandapower's example value;
matters only for ``YNyn``/``Yyn``/``YNy``).

Wiring (for the pipeline): ``study = with_site_transformers(study)`` before the engine inputs
and the flows are built, so faults and flows use the same transformed net and site buses.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandapower as pp

from protv2g.errors import InputError, Issue

__all__ = ["SiteTransformer", "SiteTransformerResult", "add_site_transformers",
           "site_transformer_specs", "with_site_transformers", "without_site_transformers",
           "CONNECTIONS"]

#: Winding connections (HV side first, as pandapower's ``vector_group``) and default clock.
CONNECTIONS = {"YNd": 1, "Dyn": 1, "YNyn": 0, "Yd": 1, "Dy": 1, "Yy": 0, "Dd": 0, "Yyn": 0,
               "YNy": 0}


@dataclass(frozen=True)
class SiteTransformer:
    """One site's interconnection transformer (HV side on ``mv_bus``).

    Attributes
    ----------
    site : str
        V2G site name.
    mv_bus : int
        pandapower index of the site's MV bus (the HV side).
    sn_kva : float
        Rating, kVA.
    vn_lv_kv : float
        LV rating (and new bus voltage), kV.
    vk_percent, x_r : float
        Short-circuit impedance (%) and its X/R ratio.
    connection : str
        A key of :data:`CONNECTIONS`.
    clock : int or None
        Phase-shift clock number (LV lags HV by ``30°·clock``); ``None`` = the connection's
        default.
    vk0_percent, x0_r0 : float or None
        Zero-sequence short-circuit impedance (%) and X/R (default ``vk_percent``, ``x_r``).
    neutral_r_ohm, neutral_x_ohm : float
        Neutral grounding impedance of the grounded-wye winding, Ω.
    mag0_percent : float
        Zero-sequence magnetising impedance, % of ``vk0``.
    """

    site: str
    mv_bus: int
    sn_kva: float
    vn_lv_kv: float = 0.48
    vk_percent: float = 5.75
    x_r: float = 5.0
    connection: str = "YNd"
    clock: int | None = None
    vk0_percent: float | None = None
    x0_r0: float | None = None
    neutral_r_ohm: float = 0.0
    neutral_x_ohm: float = 0.0
    mag0_percent: float = 100.0


@dataclass(frozen=True)
class SiteTransformerResult:
    """The transformed net, each site's new (LV) bus and its transformer's index."""

    net: pp.pandapowerNet
    site_buses: dict[str, int]
    trafos: dict[str, int]


def _r_from(z_percent: float, x_r: float) -> float:
    """Resistive part of an impedance of magnitude ``z_percent`` with ratio ``x_r``, %."""
    return z_percent / float(np.hypot(1.0, x_r))


def _issues(net: pp.pandapowerNet, specs: Sequence[SiteTransformer], where: str) -> list[Issue]:
    out = []
    for s in specs:
        key = f"v2g_sites ({s.site}).interconnection_transformer"
        if s.connection not in CONNECTIONS:
            out.append(Issue(where, f"{key}.connection", f"unknown connection {s.connection!r}",
                             f"use one of {', '.join(CONNECTIONS)}"))
        if s.mv_bus not in net.bus.index:
            out.append(Issue(where, key, f"site bus {s.mv_bus} is not in the net",
                             "give the MV bus the site connects to"))
            continue
        vn = float(net.bus.at[s.mv_bus, "vn_kv"])
        if not s.vn_lv_kv < vn:
            out.append(Issue(where, f"{key}.vn_lv_kv",
                             f"LV side {s.vn_lv_kv} kV is not below the site bus's {vn} kV",
                             "the transformer steps the chargers' voltage up to the MV bus: "
                             "give the chargers' voltage, e.g. vn_lv_kv: 0.48"))
        if min(s.sn_kva, s.vk_percent, s.x_r) <= 0:
            out.append(Issue(where, key, "sn_kva, vk_percent and x_r must be > 0"))
    return out


def add_site_transformers(net: pp.pandapowerNet, specs: Iterable[SiteTransformer], *,
                          where: str = "study") -> SiteTransformerResult:
    """A new net with each site's interconnection transformer and LV bus.

    Parameters
    ----------
    net : pandapowerNet
        The feeder; never modified (a deep copy is transformed).
    specs : iterable of SiteTransformer
        One per site that has a transformer.
    where : str
        File named in input errors.

    Returns
    -------
    SiteTransformerResult
        ``net`` (new), ``site_buses`` (site → LV bus index), ``trafos`` (site → trafo index).

    Raises
    ------
    InputError
        For an unknown connection, a missing bus or an LV rating not below the MV bus voltage
        (all problems at once).

    Example
    -------
    >>> res = add_site_transformers(net, [SiteTransformer("depot", 3, 7500.0)])  # doctest: +SKIP
    >>> res.net.trafo.loc[res.trafos["depot"], "vector_group"]  # doctest: +SKIP
    'YNd'
    """
    specs = list(specs)
    issues = _issues(net, specs, where)
    if issues:
        raise InputError(issues)
    out = copy.deepcopy(net)
    buses: dict[str, int] = {}
    trafos: dict[str, int] = {}
    taken = set(out.bus["name"].astype(str))
    for s in specs:
        name = f"{s.site}-LV"
        while name in taken:
            name += "'"
        taken.add(name)
        lv = pp.create_bus(out, vn_kv=s.vn_lv_kv, name=name, type="b")
        vk0 = s.vk_percent if s.vk0_percent is None else s.vk0_percent
        x0_r0 = s.x_r if s.x0_r0 is None else s.x0_r0
        clock = CONNECTIONS[s.connection] if s.clock is None else int(s.clock)
        t = pp.create_transformer_from_parameters(
            out, hv_bus=s.mv_bus, lv_bus=lv, sn_mva=s.sn_kva / 1000.0,
            vn_hv_kv=float(out.bus.at[s.mv_bus, "vn_kv"]), vn_lv_kv=s.vn_lv_kv,
            vkr_percent=_r_from(s.vk_percent, s.x_r), vk_percent=s.vk_percent, pfe_kw=0.0,
            i0_percent=0.0, shift_degree=30.0 * clock, name=f"{s.site}-XFMR",
            vector_group=s.connection, vk0_percent=vk0, vkr0_percent=_r_from(vk0, x0_r0),
            mag0_percent=s.mag0_percent, mag0_rx=0.0, si0_hv_partial=0.9,
            xn_ohm=s.neutral_x_ohm, rn_ohm=s.neutral_r_ohm)
        buses[s.site] = int(lv)
        trafos[s.site] = int(t)
    return SiteTransformerResult(out, buses, trafos)


def site_transformer_specs(sites: Iterable[object], site_buses: Mapping[str, int]
                           ) -> list[SiteTransformer]:
    """Specs from study-file sites (``v2g_sites[]`` with an ``interconnection_transformer``).

    ``sites`` are :class:`protv2g.study.schema.V2GSite` objects (read by attribute);
    ``site_buses`` maps each site to its MV bus (``study.site_buses``).
    """
    out = []
    for site in sites:
        tx = getattr(site, "interconnection_transformer", None)
        if tx is None:
            continue
        name = str(site.name)  # type: ignore[attr-defined]
        out.append(SiteTransformer(
            site=name, mv_bus=int(site_buses[name]), sn_kva=float(tx.sn_kva),
            vn_lv_kv=float(tx.vn_lv_kv), vk_percent=float(tx.vk_percent), x_r=float(tx.x_r),
            connection=str(tx.connection), clock=tx.clock, vk0_percent=tx.vk0_percent,
            x0_r0=tx.x0_r0, neutral_r_ohm=float(tx.neutral_r_ohm),
            neutral_x_ohm=float(tx.neutral_x_ohm), mag0_percent=float(tx.mag0_percent)))
    return out


def _existing(net: pp.pandapowerNet, spec: SiteTransformer) -> int | None:
    """LV bus of a transformer this module already added for ``spec`` (same name, same MV
    bus), else ``None``."""
    if not len(net.trafo):
        return None
    hit = net.trafo[(net.trafo["name"].astype(str) == f"{spec.site}-XFMR")
                    & (net.trafo.hv_bus == spec.mv_bus)]
    return int(hit.lv_bus.iloc[0]) if len(hit) else None


def with_site_transformers(study: object) -> object:
    """The study with its sites' interconnection transformers in its net (a new study).

    ``study.net`` and ``study.site_buses`` are replaced (``dataclasses.replace``); the
    original study and net are untouched. A study without transformers is returned as is.
    Idempotent: a site whose transformer is already in the net (a study rebuilt with
    ``Study.with_updates`` keeps the transformed net but maps its sites back to their MV
    buses) is only re-pointed to its LV bus. Device places (``study.device_sites``) keep
    their bus and element indices.
    """
    net = study.net  # type: ignore[attr-defined]
    mv = dict(study.site_buses)  # type: ignore[attr-defined]
    for site, bus in mv.items():  # a site already on its LV bus: its MV bus is the HV side
        hit = net.trafo[(net.trafo["name"].astype(str) == f"{site}-XFMR")
                        & (net.trafo.lv_bus == bus)] if len(net.trafo) else net.trafo
        if len(hit):
            mv[site] = int(hit.hv_bus.iloc[0])
    specs = site_transformer_specs(study.document.v2g_sites, mv)  # type: ignore[attr-defined]
    present = {s.site: b for s in specs if (b := _existing(net, s)) is not None}
    if not specs or len(present) == len(specs) and all(
            study.site_buses[k] == b for k, b in present.items()):  # type: ignore[attr-defined]
        return study
    new = [s for s in specs if s.site not in present]
    added = {}
    if new:
        res = add_site_transformers(net, new, where=str(getattr(study, "path", "study")))
        net, added = res.net, res.site_buses
        _check_places(study, res)
    buses = {**study.site_buses, **present, **added}  # type: ignore[attr-defined]
    return dataclasses.replace(study, net=net, site_buses=buses)  # type: ignore[type-var]


def _check_places(study: object, res: SiteTransformerResult) -> None:
    """The loader placed a device on a site's transformer before the net had it
    (:func:`protv2g.study.feeder_checks.check_semantics`): its indices must be the ones
    :func:`add_site_transformers` gave."""
    from protv2g.study.site_equipment import site_transformer_devices

    places = study.device_sites  # type: ignore[attr-defined]
    for dev, (site, _) in site_transformer_devices(study).items():
        if site in res.trafos and (places[dev].element_index != res.trafos[site] or {
                places[dev].bus, places[dev].far_bus} != {res.net.trafo.at[res.trafos[site],
                                                                           "hv_bus"],
                                                          res.site_buses[site]}):
            raise RuntimeError(f"device {dev!r} on {site}'s transformer was placed on "
                               f"another element: please report this bug")


def without_site_transformers(net: pp.pandapowerNet, sites: Iterable[str]
                              ) -> pp.pandapowerNet | None:
    """The feeder as it is without V2G: ``net`` with the sites' interconnection transformers
    (and their LV buses) out of service — the study's base case.

    A site's interconnection transformer comes with the V2G project, so its effects (a
    grounded-wye/delta unit's zero-sequence source) are attributed to V2G, not
    "pre-existing". Returns a new net, or ``None`` when ``net`` has none of them.
    """
    if not len(net.trafo):
        return None
    names = {f"{s}-XFMR" for s in sites}
    hit = net.trafo.index[net.trafo["name"].astype(str).isin(names)]
    if not len(hit):
        return None
    out = copy.deepcopy(net)
    out.trafo.loc[hit, "in_service"] = False
    lv = out.trafo.loc[hit, "lv_bus"].astype(int).to_numpy()
    out.bus.loc[lv, "in_service"] = False
    return out
