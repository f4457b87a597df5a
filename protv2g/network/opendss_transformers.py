"""Convert OpenDSS transformers (and their RegControls) into pandapower trafos.

Two-winding transformers become ``net.trafo`` rows; single-phase units between the same buses
become one three-phase bank with the units' per-unit impedance. The vector group and the
neutral impedance come from how OpenDSS earths each star point
(:mod:`protv2g.network.opendss_neutrals`); regulators keep the solved tap and the RegControl
settings in ``reg_*`` columns.

References
----------
R. C. Dugan, "OpenDSS Reference Guide", EPRI (Transformer, RegControl properties).
pandapower 3.5.6, ``pd2ppc_zero._add_trafo_sc_impedance_zero`` (zero-sequence model, ``rn_ohm``/
``xn_ohm``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandapower as pp

from protv2g.errors import InputError, Issue
from protv2g.network.opendss_elements import (
    SQRT3,
    Z_MAG0_PU,
    WarningLog,
    iter_class,
    open_terminals,
    parse_bus,
    prop,
)
from protv2g.network.opendss_neutrals import (
    PHASE_PATH_FIX,
    Neutral,
    NeutralMap,
    bank_neutral,
    pandapower_zn_ohm,
    read_neutrals,
)

__all__ = ["add_transformers"]


@dataclass
class _Winding:
    bus: str
    nodes: list[int]
    kv: float
    kva: float
    r_percent: float
    tap: float
    delta: bool
    neutral: Neutral | None  # star-point earthing of a wye winding (None: delta)


def _read_transformer(dss, full: str, neutrals: NeutralMap) -> tuple[list[_Winding], dict]:  # noqa: ANN001
    name = full.split(".", 1)[1]
    dss.Transformers.Name(name)
    nw = int(dss.Transformers.NumWindings())
    if nw != 2:
        raise InputError(
            Issue(
                "OpenDSS model",
                full,
                f"{nw}-winding transformer is not supported",
                "split it into two-winding transformers (center-tap services: model the "
                "secondary as one winding)",
            )
        )
    n = int(dss.CktElement.NumPhases())
    specs = dss.CktElement.BusNames()
    windings = []
    for w in (1, 2):
        dss.Transformers.Wdg(w)
        bus, nodes = parse_bus(specs[w - 1], n)
        delta = bool(dss.Transformers.IsDelta())
        phase_nodes = nodes[:n] if not delta else nodes
        neutral = None
        if not delta:
            # a star conductor on a phase node (1-phase unit between two phases) is no star
            # point: an unearthed wye as far as the sequence model goes
            neutral = neutrals.windings.get(
                (name.lower(), w), Neutral(f"{bus}.{nodes[n] if len(nodes) > n else 0}",
                                           complex(np.inf)))
        windings.append(
            _Winding(
                bus=bus,
                nodes=phase_nodes,
                kv=float(dss.Transformers.kV()),
                kva=float(dss.Transformers.kVA()),
                r_percent=float(dss.Transformers.R()),
                tap=float(dss.Transformers.Tap()),
                delta=delta,
                neutral=neutral,
            )
        )
    dss.Transformers.Wdg(2)
    info = {
        "name": name,
        "phases": n,
        "xhl_percent": float(dss.Transformers.Xhl()),
        "noloadloss_percent": float(prop(dss, full, "%noloadloss")),
        "imag_percent": float(prop(dss, full, "%imag")),
        "bank": prop(dss, full, "bank").strip().lower(),
        "max_tap": float(dss.Transformers.MaxTap()),
        "min_tap": float(dss.Transformers.MinTap()),
        "num_taps": int(dss.Transformers.NumTaps()),
    }
    return windings, info


def add_transformers(
    net, dss, buses: dict[str, int], log: WarningLog, neutrals: NeutralMap | None = None
) -> dict[str, tuple[int, bool]]:  # noqa: ANN001
    """Transformers → pandapower trafos; single-phase units between the same buses → one bank.

    Star points are earthed as ``neutrals`` (:func:`~protv2g.network.opendss_neutrals.
    read_neutrals`) says: vector group ``YN`` with ``rn_ohm``/``xn_ohm`` or ``Y`` (floating).

    Returns
    -------
    dict
        OpenDSS transformer name → (pandapower trafo index, ``True`` when winding 1 is the
        pandapower hv side).
    """
    if neutrals is None:
        neutrals = read_neutrals(dss)
    regs = _regcontrols(dss)
    groups: dict[tuple[str, str], list[tuple[str, list[_Winding], dict]]] = defaultdict(list)
    for full, enabled in iter_class(dss, "Transformer", buses, log):
        if not enabled:
            log.add("Transformer", full, "disabled in OpenDSS", "dropped")
            continue
        windings, info = _read_transformer(dss, full, neutrals)
        key = (windings[0].bus, windings[1].bus) if info["phases"] < 3 else (full, "")
        groups[key].append((full, windings, info))
    mapping: dict[str, tuple[int, bool]] = {}
    networks: dict[int, tuple[int, str]] = {}  # neutral network → (trafo index, OpenDSS name)
    for units in groups.values():
        idx, w1_is_hv = _create_trafo(net, dss, buses, units, regs, log)
        for full, windings, _ in units:
            for wd in windings:
                net_id = wd.neutral.network if wd.neutral is not None else -1
                if net_id < 0:
                    continue
                first = networks.setdefault(net_id, (idx, full))
                if first[0] != idx:
                    raise InputError(Issue(
                        "OpenDSS model", full,
                        f"star point {wd.neutral.node} shares its neutral network with "
                        f"{first[1]} (coupled neutrals: no per-transformer rn_ohm/xn_ohm)",
                        PHASE_PATH_FIX))
        for full, _, _ in units:
            mapping[full.split(".", 1)[1]] = (idx, w1_is_hv)
            dss.Circuit.SetActiveElement(full)
            open_terminals(net, dss, full, idx, "t", log)
    return mapping


def _regcontrols(dss) -> dict[str, dict]:  # noqa: ANN001
    """RegControl settings by controlled transformer name."""
    out: dict[str, dict] = {}
    for full, enabled in iter_class(dss, "RegControl"):
        name = full.split(".", 1)[1]
        dss.RegControls.Name(name)
        reversible = bool(dss.RegControls.IsReversible())
        cogen = prop(dss, full, "cogen").strip().lower().startswith("y")
        mode = "cogeneration" if cogen else ("bidirectional" if reversible else "forward_locked")
        out[dss.RegControls.Transformer().lower()] = {
            "reg_name": name,
            "reg_enabled": enabled,
            "reg_winding": int(dss.RegControls.Winding()),
            "reg_vreg_v": float(dss.RegControls.ForwardVreg()),
            "reg_band_v": float(dss.RegControls.ForwardBand()),
            "reg_ptratio": float(dss.RegControls.PTRatio()),
            "reg_ctprim_a": float(dss.RegControls.CTPrimary()),
            "reg_r_v": float(dss.RegControls.ForwardR()),
            "reg_x_v": float(dss.RegControls.ForwardX()),
            "reg_mode": mode,
        }
    return out


def _create_trafo(net, dss, buses, units, regs, log: WarningLog) -> tuple[int, bool]:  # noqa: ANN001
    full, w, info = units[0]
    n_units = len(units)
    single = info["phases"] < 3
    names = [u[0].split(".", 1)[1] for u in units]
    banks = {u[2]["bank"] for u in units}
    name = (
        names[0]
        if n_units == 1
        else (banks.pop() if len(banks) == 1 and "" not in banks else "+".join(names))
    )
    # Ratings: a bank of single-phase units becomes a 3-phase unit with the same per-unit
    # impedance on 3 × unit kVA (each phase keeps the unit's ohmic impedance).
    kva = float(np.mean([u[1][0].kva for u in units])) * (3.0 if single else 1.0)
    kv = [wd.kv * (SQRT3 if (single and not wd.delta) else 1.0) for wd in w]
    r_percent = w[0].r_percent + w[1].r_percent * w[0].kva / max(w[1].kva, 1e-9)
    vk_percent = float(np.hypot(r_percent, info["xhl_percent"]))
    taps = np.array([[u[1][0].tap, u[1][1].tap] for u in units])
    w1_is_hv = kv[0] >= kv[1]
    hv, lv = (0, 1) if w1_is_hv else (1, 0)
    star = [bank_neutral([u[1][i].neutral for u in units], full) for i in (0, 1)]
    ratio = float(np.mean(taps[:, lv] / taps[:, hv]))  # lv-side tap relative to hv
    step_percent = (info["max_tap"] - info["min_tap"]) / max(info["num_taps"], 1) * 100.0
    vg = _vector_group(star[hv], upper=True) + _vector_group(star[lv], upper=False)
    shift = 30.0 if w[hv].delta != w[lv].delta else 0.0
    extra = {"dss_names": ",".join(names), "dss_phases": info["phases"], "regulator": False}
    reg = next((regs[n] for n in names if n in regs), None)
    if reg is not None:
        extra.update(reg)
        extra["regulator"] = True
    idx = pp.create_transformer_from_parameters(
        net,
        buses[w[hv].bus],
        buses[w[lv].bus],
        sn_mva=kva / 1e3,
        vn_hv_kv=kv[hv],
        vn_lv_kv=kv[lv],
        vkr_percent=r_percent,
        vk_percent=vk_percent,
        pfe_kw=info["noloadloss_percent"] / 100.0 * kva,
        i0_percent=info["imag_percent"],
        shift_degree=shift,
        tap_side="lv",
        tap_neutral=0.0,
        tap_step_percent=step_percent,
        tap_pos=(ratio - 1.0) * 100.0 / step_percent,
        tap_min=-info["num_taps"] / 2,
        tap_max=info["num_taps"] / 2,
        tap_changer_type="Ratio",
        name=name,
        vector_group=vg,
        vk0_percent=vk_percent,
        vkr0_percent=r_percent,
        mag0_percent=100.0 * Z_MAG0_PU / (vk_percent / 100.0),
        mag0_rx=0.0,
        si0_hv_partial=0.5,
        **extra,
    )
    if single:
        phases = sorted({p for u in units for p in u[1][0].nodes})
        log.add(
            "Transformer",
            ",".join(names),
            f"{n_units} single-phase unit(s) on phases {phases}",
            "one three-phase transformer with the units' per-unit impedance; "
            "per-phase taps averaged"
            if n_units > 1
            else "three-phase transformer with the unit's per-unit impedance",
        )
    if np.ptp(taps[:, lv] / taps[:, hv]) > 1e-9:
        log.add(
            "Transformer",
            name,
            f"per-phase taps {np.round(taps[:, lv], 5).tolist()}",
            f"mean ratio {ratio:.5f} used",
        )
    zn = pandapower_zn_ohm(star[hv], star[lv], net.bus.at[buses[w[hv].bus], "vn_kv"],
                           net.bus.at[buses[w[lv].bus], "vn_kv"])
    net.trafo.loc[idx, ["rn_ohm", "xn_ohm"]] = [zn.real, zn.imag]
    for side, wd in (("HV", star[hv]), ("LV", star[lv])):
        if wd is not None and (wd.z_ohm != 0j or (wd.own_ohm or 0j) != 0j):
            log.add("Transformer", name, f"{side} star point on {wd.node}: " + _earthing(wd),
                    f"vector group {vg}, rn_ohm + j·xn_ohm = {zn.real:.6g} + j{zn.imag:.6g}")
    return idx, w1_is_hv


def _earthing(n: Neutral) -> str:
    if not n.grounded:
        return "floating (Rneut < 0 and nothing earths the node)"
    if abs(n.z_ohm) == 0.0:
        return (f"solidly earthed (node 0: OpenDSS shorts Rneut + jXneut = {n.own_ohm:.6g} ohm)"
                if n.node.endswith(".0") else "solidly earthed (Rneut = Xneut = 0)")
    via = f" incl. {', '.join(n.elements)}" if n.elements else ""
    return f"earthed through {n.z_ohm.real:.6g} + j{n.z_ohm.imag:.6g} ohm{via}"


def _vector_group(n: Neutral | None, upper: bool) -> str:
    code = "D" if n is None else ("YN" if n.grounded else "Y")
    return code if upper else code.lower()
