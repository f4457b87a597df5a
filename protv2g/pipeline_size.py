"""How much memory a study's fault and checks stages will take, estimated before any work
(:func:`size_estimate_b`), and the refusal of a study that would not fit (:func:`check_size`,
naming every way out). Part of the one pipeline of :mod:`protv2g.pipeline`
(:func:`~protv2g.pipeline.fault_tables` calls :func:`check_size` first), which re-exports
these names.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.errors import InputError, Issue
from protv2g.study.loader import Study

__all__ = ["check_size", "kept_pairs", "size_estimate_b"]


#: Peak bytes per **kept** device row (device rows are kept where the device sees ≥ 1 A,
#: :mod:`protv2g.engine.device_rows`) and per cell of one slice's device × bus grid (devices ×
#: fault buses), above the RSS after the imports, fitted to the per-stage peaks measured with
#: ``benchmarks/bench_memory.py`` (VmHWM reset at each stage) on ``bench_e2e``'s synthetic
#: studies (60 devices, 6 scenarios, 3 charger sets), 2026-12-01, branch ``seq_rows``:
#:   1,060 buses, 176,164 rows: faults 365 MiB, checks 702 MiB;
#:   3,060 buses, 503,058 rows: faults 947 MiB, checks 1,492 MiB;
#:   10,060 buses, 1,823,534 rows: faults 3,106 MiB, checks 4,148 MiB;
#: and the depot example's traced peak of ``fault_tables`` (13,328 rows, 21.2 MiB,
#: ``tests/test_check_size.py``). faults: the kept rows' phasors and stage currents, the tidy
#: table (~20 float columns) and its per-scenario copies, ~1.6 kB/row on the depot; one engine
#: slice (staged current and voltage phasors, ≈ 4 stages × 2 × 3 complex128, and the rule's
#: temporaries; the generator's previous slice may still be alive). checks: the measured peak
#: grows with devices × buses (≈ 6.5 kB per cell at all three sizes) more than with the kept
#: rows — the tables of the checks that are not per device row (flow tables held, device
#: chains, zones) — so the checks figure is mostly that term. The estimate is 1.05–1.4× the
#: measured peaks at those sizes.
_BYTES_PER_ROW_FAULTS = 1_800
_BYTES_PER_ROW_CHECKS = 300
_BYTES_PER_CELL_FAULTS = 640
_BYTES_PER_CELL_CHECKS = 7_200
#: Fixed part (net, factorisation, numba and pandas working memory), bytes.
_FIXED_B = 256 * 2**20
#: Angular frequency used for the zero-sequence charging current (rad/s, 60 Hz feeders).
_OMEGA = 2 * np.pi * 60.0


def kept_pairs(study: Study) -> tuple[int, int]:
    """(device, fault bus) pairs of one engine slice expected to keep their row (≥ 1 A).

    A device sees fault current where it lies on the path from a source to the fault (IEC
    60909: no load current; :func:`protv2g.topology.device_chains` from the substation, every
    V2G site and every existing generator). For ground faults it also sees the zero-sequence
    charging current of the lines behind it when the fault is elsewhere, at most the
    capacitive earth-fault current of those lines, ``I_CE = 3·ω·C0·c·Un/√3`` (the textbook
    earth-fault current of an isolated network, zero-sequence voltage at its largest
    ``c·Un/√3``, ``c = 1.1`` of IEC 60909-0 Table 1; ``C0`` from the lines'
    ``c0_nf_per_km``); where that reaches ``DEVICE_ROW_MIN_A`` every fault bus counts.
    An upper estimate on radial feeders (parallel paths are not counted).

    Returns
    -------
    tuple of int
        ``(pairs of phase faults (3ph, LL), pairs of ground faults (SLG, LLG))``.
    """
    from protv2g.topology import device_chains, substation_rows

    net = study.net
    n_bus, n_dev = len(net.bus), len(study.device_sites)
    sources = dict(study.site_buses)
    for et in ("sgen", "gen", "storage"):
        tab = getattr(net, et, None)
        if tab is not None and len(tab):
            for i, b in tab.bus[tab.in_service.astype(bool)].items():
                sources[f"{et}:{i}"] = int(b)
    chains = device_chains(net, study.device_sites, sources)
    on_path = chains[["device", "fault_bus"]].drop_duplicates()
    per_dev = on_path.groupby("device").size()
    fwd = chains[substation_rows(chains) & (chains.direction == "forward").to_numpy()]
    line = net.line[net.line.in_service.astype(bool)]
    c0_f = (line.c0_nf_per_km.fillna(0) if "c0_nf_per_km" in line else 0.0) * 1e-9
    c0_f = c0_f * line.length_km * line.parallel
    vn_kv = net.bus.vn_kv.reindex(line.from_bus).to_numpy()
    # each line's I_CE term, element by element as on each device's lines before (#21: the
    # same products, summed over the same lines in the same order)
    i_ce_line_a = 3 * _OMEGA * np.asarray(c0_f) * 1.1 * vn_kv * 1e3 / np.sqrt(3)
    ends = (line.from_bus.to_numpy(np.int64), line.to_bus.to_numpy(np.int64))
    fwd_bus = fwd.fault_bus.to_numpy(np.int64)
    size = 1 + max([int(e.max()) for e in ends if len(e)] + [int(fwd_bus.max()) if len(fwd_bus)
                                                             else -1, -1])
    ground = 0
    # each device's forward buses by one grouping, its lines by a table of flags (#21: a
    # scan of the chains per device, then two ``isin`` per device)
    behind_of = {dev: g for dev, g in pd.Series(fwd_bus).groupby(fwd.device.to_numpy(),
                                                                  sort=False).indices.items()}
    for dev in study.device_sites:
        behind = np.zeros(size, dtype=bool)
        behind[fwd_bus[behind_of.get(dev, [])]] = True
        inside = behind[ends[0]] & behind[ends[1]]
        i_ce_a = float(np.sum(i_ce_line_a[inside]))
        ground += n_bus if i_ce_a >= DEVICE_ROW_MIN_A else int(per_dev.get(dev, 0))
    return min(len(on_path), n_bus * n_dev), min(ground, n_bus * n_dev)


def size_estimate_b(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
                    staged: bool = True) -> dict[str, int]:
    """Estimated peak memory of a study's stages (bytes above the imports).

    Parameters
    ----------
    study : Study
        With the net the engine solves (close-in buses appended).
    n_fault_scenarios : int
        Charger sets the engine solves (≤ ``n_scenarios``: scenarios sharing a set share it).
    n_scenarios : int
        Study scenarios the fault tables are expanded to.
    staged : bool
        Accepted for the callers; the per-row figures are those of staged tables (an
        over-estimate of < 10 % without them).

    Returns
    -------
    dict
        ``{"faults": bytes, "checks": bytes, "rows": kept rows}``: the process's peak up to
        the end of each stage, ``_FIXED_B + rows × _BYTES_PER_ROW_<stage> + cells ×
        _BYTES_PER_CELL_<stage>``; ``rows`` = scenarios × cases × Σ over the fault types of
        the kept pairs (:func:`kept_pairs`), ``cells`` = devices × buses. SOURCE: measured,
        see the constants' comment.
    """
    del staged  # see Parameters
    doc = study.document
    phase, ground = kept_pairs(study)
    per_case = sum(ground if str(getattr(t, "value", t)) in ("SLG", "LLG") else phase
                   for t in doc.faults.fault_types)
    rows = max(n_fault_scenarios, n_scenarios) * len(doc.faults.cases) * per_case
    cells = len(study.net.bus) * max(len(doc.devices), 1)
    return {"faults": _FIXED_B + rows * _BYTES_PER_ROW_FAULTS + cells * _BYTES_PER_CELL_FAULTS,
            "checks": _FIXED_B + rows * _BYTES_PER_ROW_CHECKS + cells * _BYTES_PER_CELL_CHECKS,
            "rows": rows}


def check_size(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
               staged: bool = True) -> None:
    """Fail fast, before any work, when a study would not fit in memory.

    The estimate (:func:`size_estimate_b`) covers the fault and checks stages; the larger
    is compared with half the machine's memory.

    Raises
    ------
    InputError
        Naming the stage that dominates, the sizes that multiply up and every way out.
    """
    doc = study.document
    n_bus = len(study.net.bus)
    est = size_estimate_b(study, n_fault_scenarios=n_fault_scenarios,
                          n_scenarios=n_scenarios, staged=staged)
    stage = max(("faults", "checks"), key=lambda k: est[k])
    need_b = est[stage]
    budget_b = _memory_budget_b()
    if need_b > budget_b:
        raise InputError(Issue(
            str(study.path), "scenarios",
            f"the study needs about {need_b / 2**30:.1f} GiB at its peak, in the {stage} "
            f"stage (faults {est['faults'] / 2**30:.1f} GiB, checks "
            f"{est['checks'] / 2**30:.1f} GiB; {n_scenarios} scenarios × {n_bus} buses × "
            f"{len(doc.devices)} devices × {len(doc.faults.fault_types)} fault types × "
            f"{len(doc.faults.cases)} cases: about {est['rows']:,} device rows where a device "
            f"sees ≥ {DEVICE_ROW_MIN_A:g} A), more than the {budget_b / 2**30:.1f} GiB "
            "allowed (half the machine's memory)",
            "run fewer export levels, participation levels or load levels, fewer fault types "
            "or cases, or split the feeder into smaller studies; hosting runs its own "
            "scenarios through this check, so `protv2g run --no-hosting` skips those"))


def _memory_budget_b() -> int:
    """Half of the machine's physical memory (bytes)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 4 * 2**30
