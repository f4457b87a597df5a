"""How much memory a study's fault and checks stages will take, estimated before any work
(:func:`size_estimate_b`), and the refusal of a study that would not fit (:func:`check_size`,
naming every way out). Part of the one pipeline of :mod:`protv2g.pipeline`
(:func:`~protv2g.pipeline.fault_tables` calls :func:`check_size` first), which re-exports
these names.

The estimate is the tables the pipeline holds (device table per study scenario, the chargers'
stages once per charger set, bus table, flows, nets) plus each stage's working memory (the
engine's kept rows per charger set; the checks by device rows × columns, with a margin), each
by its driver (the constants below). Measured against the real peak (issue #21; 2026-12-03,
main at 0e33300 (after ``checks_mem``), load 3.5–6 on 2 cores; whole-run ``VmHWM`` of
``run_study`` (no hosting) over the RSS after the imports, a fresh process each, numba's cache
warm; ``bench_e2e.make_study`` + 3 export levels × 2 load levels = 6 scenarios, 3 charger
sets, 60 devices; peak = median of 3 runs; ``tests/test_size_estimate_holds.py`` asserts it
at 1,000 buses; the constants were fitted before ``checks_mem``, on 485b6bb, whose peaks
were 366 / 564 / 1,662 MiB):

=======  ==========  ============  ===========  ==========  ==========================
buses    dev. rows   estimate MiB  peak MiB     est / peak  before (estimate, ratio)
=======  ==========  ============  ===========  ==========  ==========================
1,000    176,164     485           341          1.42        757, 2.07 (peak 366)
3,000    503,058     795           569          1.40        1,662, 2.68 (peak 620)
10,000   1,823,534   2,197         1,489        1.48        4,932, 2.95 (peak 1,670)
=======  ==========  ============  ===========  ==========  ==========================

Session 25 (main at 34a0221, the tables' key and text columns categorical; ``python
benchmarks/bench_memory.py --buses 1000 3000 10000``, load ≈ 2): peaks 270 / 437 / 1,127 MiB,
which the estimate above overstated 1.80 / 1.82 / 1.95× (the test's own measure at 1,000
buses, 193 MiB, 2.51×); ``_CHECKS_COLUMNS`` refitted 56 → 24: estimates ≈ 403 / 609 / 1,516
MiB, 1.49 / 1.39 / 1.35× the peaks.

The six examples (``feeders/*/study.yaml``, pandapower ones; the OpenDSS example has its own
check, ``pipeline_dss._check_size``): 100–116 MiB estimated for 66–81 MiB, 1.42–1.58×
(before 258–280 MiB, 3.3–3.9×); with the hosting search (its calls go through
:func:`check_size` with their own scenarios; the largest call's estimate against the whole
run's peak, which also holds the main run's tables): 108–248 MiB for 81–200 MiB, 1.15–1.34×.
``run_study(..., staged=False)``: 1,000 / 3,000 buses 472 / 763 MiB for 322 / 498 (485b6bb).
A first run that compiles numba adds ≈ 150 MiB (1,000 buses: 515 MiB), not counted.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.errors import InputError, Issue
from protv2g.study.loader import Study

__all__ = ["check_size", "kept_pairs", "size_estimate_b"]


#: What the pipeline holds and works with, per driver (bytes), from the tables it builds
#: (``engine/staged_tables.py``, ``pipeline.FaultTables``, main at 485b6bb) and the stage peaks
#: of ``benchmarks/bench_memory.py`` (MiB over the imports, 2026-12-03, see the module table):
#: the device table, one block per **study scenario** (``FaultTables.device``: 20 float64,
#: 1 int64, 5 object columns = 208 B per row, 362 MiB held for 1.82 M rows at 10,000 buses)
#: and the two brackets' int32 row maps into the stages (8 B per row) …
_BYTES_PER_ROW_DEVICE = 216
#: … of which the 13 float64 columns only C9 reads (``engine.device_columns.PHASOR_COLUMNS``:
#: computed on the pandapower path only for a study with a forward-directional relay, #21
#: lean34) …
_BYTES_PHASOR_COLUMNS = 13 * 8


def _row_device_b(study: Study) -> int:
    """Bytes per device row: without the phasor columns where the pandapower path leaves
    them out (no forward-directional relay; the OpenDSS path keeps them)."""
    if getattr(study, "model", None) is not None:
        return _BYTES_PER_ROW_DEVICE
    from protv2g.directional.settings import any_forward_directional_relay

    reads = any_forward_directional_relay(study.document.devices)  # as pipeline.phasors_read
    return _BYTES_PER_ROW_DEVICE - (0 if reads else _BYTES_PHASOR_COLUMNS)


#: … the chargers' stages, once per **charger set** (``StagedCurrents``: 5 stages × (4
#: current + 2 time) float32 = 120 B per stage row; the high bracket keeps only the rows that
#: differ, ≈ 1 %; 259,489 stage rows for 251,529 set rows at 3,000 buses) …
_BYTES_PER_SET_ROW_STAGES = 130
#: … the engine's working memory per set row at the faults peak (the high bracket's kept rows
#: beside the tables being built; peak − held after the faults: 36 / 102 / 340 MiB for
#: 88 k / 252 k / 912 k set rows at 1k / 3k / 10k buses, 391–429 B, before session 43; since
#: the engine no longer fills the device voltages no stage reads (perf43a), re-measured in
#: session 44 with ``bench_memory.py --levels 3``: 26 / 76 / 252 MiB for 105 k / 249 k / 923 k
#: set rows, 260 / 320 / 286 B; counted as 360 B, ≥ 1.12 × the largest) …
_BYTES_PER_SET_ROW_ENGINE = 360
#: … the bus table, one row per scenario × case × fault type × bus (137 B per row held at
#: 10,000 buses: 63 MiB for 483 k rows) …
_BYTES_PER_BUS_ROW = 160
#: … the flows held per scenario × bus (held after the flows − held after the faults: 12 /
#: 37 / 116 MiB for 6 scenarios at 1k / 3k / 10k buses, 2.0–2.1 kB) …
_BYTES_PER_SCENARIO_BUS_FLOWS = 2_400
#: … and the nets the stages copy (close-in positions, base case), per bus.
_BYTES_PER_BUS_NETS = 4_096
#: The checks' working memory grows with the device rows × the columns the checks add to and
#: derive from the device table (bracket times, currents, the C5 family …; ``checks/`` is
#: being slimmed, so this is modelled by its drivers, not as a constant): checks peak − held
#: after the flows = 105 MiB + 182 B per estimated row at 1k / 3k / 10k buses (144 / 190 /
#: 428 MiB for 223 k / 508 k / 1,859 k estimated rows; session 25, after the key columns and
#: the violations' text columns became categoricals: before, 146 MiB + 427 B), i.e. ≈ 23
#: float64 columns; counted as 24 columns × 8 B with a margin of 1.5 (a slimmer checks stage
#: only lowers the peak).
_CHECKS_COLUMNS = 24
_CHECKS_MARGIN = 1.5
#: The checks' part that does not grow with the rows: the fitted intercept at 1k / 3k / 10k
#: buses was 146–150 MiB (session 25), but the checks add 44 MiB in all at 250 buses (39 k
#: rows) and < 20 MiB on the 12–24-bus examples: counted as 160 KiB per bus up to a cap (an
#: empirical fit, not a model of one table), bytes. Session 27 (main at 42ce507: the checks'
#: keys read by their codes, chk27; pairs judged only where no nearer device clears first,
#: pair27 — the 1,000-bus test's peak 178.6 → 142.6 MiB): ``bench_memory.py`` peaks 203 / 376
#: / 944 MiB at 1k / 3k / 10k against estimates 404 / 608 / 1,516 (1.99 / 1.62 / 1.61×; the
#: test's warm measure at 1k 2.97×); the cap 160 → 64 MiB: estimates 308 / 512 / 1,420 MiB,
#: 1.52 / 1.36 / 1.50× (test 2.2×), never under a peak. Session 44 (perf44, ``bench_memory.py
#: --levels 3``): the 3k checks peak 361–364 MiB against an estimate of 354 (0.98×, under it:
#: the stage grew with sessions 28–43's columns while the faults' working memory shrank);
#: the cap 64 → 96 MiB: ≈ 386 MiB at 3k (1.06×), the safe side at 1k and 10k too.
_CHECKS_BYTES_PER_BUS = 160 * 2**10
_CHECKS_FIXED_B = 96 * 2**20
#: Fixed part (a first run's lazily imported modules, numba's cached functions, pandas
#: working memory: 60–67 MiB over the imports on the 12–24-bus examples, cold), bytes.
_FIXED_B = 96 * 2**20
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

    if getattr(study, "model", None) is not None:
        return _model_kept_pairs(study)
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


def _model_fault_rows(study: Study) -> int:
    """Faults an OpenDSS study solves per charger set and case: every phase combination of
    every fault type on the model's primary buses (:func:`protv2g.engine.phase.faults.
    fault_rows`, as :func:`protv2g.pipeline_dss._check_size` counts them; an LL fault on a
    three-phase bus is three rows)."""
    from protv2g.engine.phase.faults import fault_rows

    tab = study.model.buses
    has = np.array([[p in ph for p in "abc"] for ph in tab.phases], dtype=bool)
    wanted = tab.primary.to_numpy(bool)
    return len(fault_rows(np.flatnonzero(wanted), has[wanted],
                          tuple(study.document.faults.fault_types)))


def _model_kept_pairs(study: Study) -> tuple[int, int]:
    """:func:`kept_pairs` of an OpenDSS study (a phase-domain model, no pandapower net):
    every device at every primary bus, an upper estimate as
    :func:`protv2g.pipeline_dss._check_size` makes it (the phase engine keeps a device's row
    where it sees ≥ ``DEVICE_ROW_MIN_A``, which the model's topology alone does not tell:
    line charging and the inverters' currents)."""
    n = int(study.model.buses.primary.sum()) * max(len(study.device_sites), 1)
    return n, n


def size_estimate_b(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
                    staged: bool = True, held: bool = False) -> dict[str, int]:
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
        Whether the chargers' later stages are kept (``fault_tables(..., staged=...)``);
        without them the stages' term is left out.
    held : bool
        The fault tables hold each charger set's rows once (``fault_tables(..., held=True)``,
        ``run_study`` and hosting on a pandapower net, #21): the faults and checks stages
        hold ``set_rows`` device rows and the charger sets' bus rows, and the tables are
        expanded to every scenario after the checks (``"result"``).

    Returns
    -------
    dict
        ``{"faults": bytes, "checks": bytes, "result": bytes, "rows": kept rows,
        "set_rows": engine rows}``: the process's peak up to the end of each stage
        (``result``: the expanded tables after the checks; the held tables' figure when not
        held). ``rows`` = study scenarios × cases ×
        Σ over the fault types of the kept pairs (:func:`kept_pairs`), the device table's
        rows (an OpenDSS study: every device at every phase combination of every fault
        type on the model's primary buses, :func:`_model_fault_rows`, an upper estimate:
        4,440 for the 4,400 rows of ``feeders/opendss_example`` with its close-in buses);
        ``set_rows`` the same per
        charger set (the rows the engine solves and the
        stages are held for). held after the faults = ``_FIXED_B`` + buses ×
        ``_BYTES_PER_BUS_NETS`` + rows × ``_BYTES_PER_ROW_DEVICE`` + bus rows ×
        ``_BYTES_PER_BUS_ROW`` + set rows × ``_BYTES_PER_SET_ROW_STAGES`` (staged);
        faults = held + set rows × ``_BYTES_PER_SET_ROW_ENGINE``; checks = held + scenarios ×
        buses × ``_BYTES_PER_SCENARIO_BUS_FLOWS`` + min(buses × ``_CHECKS_BYTES_PER_BUS``,
        ``_CHECKS_FIXED_B``) + rows ×
        ``_CHECKS_COLUMNS`` × 8 × ``_CHECKS_MARGIN``. SOURCE: measured, see the constants'
        comments and the module table.
    """
    doc = study.document
    model = getattr(study, "model", None)
    if model is None:
        phase, ground = kept_pairs(study)
        per_case = sum(ground if str(getattr(t, "value", t)) in ("SLG", "LLG") else phase
                       for t in doc.faults.fault_types)
    else:  # review s17: an OpenDSS study has no ``study.net``; its rows per phase combination
        per_case = _model_fault_rows(study) * max(len(study.device_sites), 1)
    n_case = len(doc.faults.cases)
    rows = max(n_fault_scenarios, n_scenarios) * n_case * per_case
    set_rows = n_fault_scenarios * n_case * per_case
    # an OpenDSS study faults the model's primary buses; its flows hold every bus
    n_bus = len(study.net.bus) if model is None else len(model.buses)
    n_fault_bus = n_bus if model is None else int(model.buses.primary.sum())
    bus_rows = n_scenarios * n_case * len(doc.faults.fault_types) * n_fault_bus
    # the rows the faults and checks stages hold: each charger set's once when held
    kept = min(set_rows, rows) if held else rows
    kept_bus = (min(n_fault_scenarios, n_scenarios) * n_case * len(doc.faults.fault_types)
                * n_fault_bus) if held else bus_rows

    def tables_b(n_rows: int, n_bus_rows: int) -> int:
        return (_FIXED_B + n_bus * _BYTES_PER_BUS_NETS + n_rows * _row_device_b(study)
                + n_bus_rows * _BYTES_PER_BUS_ROW
                + staged * set_rows * _BYTES_PER_SET_ROW_STAGES)

    held_b = tables_b(kept, kept_bus)
    flows_b = n_scenarios * n_bus * _BYTES_PER_SCENARIO_BUS_FLOWS
    checks_b = (held_b + flows_b + min(n_bus * _CHECKS_BYTES_PER_BUS, _CHECKS_FIXED_B)
                + kept * _CHECKS_COLUMNS * 8 * _CHECKS_MARGIN)
    result_b = tables_b(rows, bus_rows) + flows_b if held else held_b
    return {"faults": int(held_b + set_rows * _BYTES_PER_SET_ROW_ENGINE),
            "checks": int(checks_b), "result": int(result_b), "rows": rows,
            "set_rows": set_rows}


def check_size(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
               staged: bool = True, held: bool = False) -> None:
    """Fail fast, before any work, when a study would not fit in memory.

    The estimate (:func:`size_estimate_b`) covers the fault and checks stages; the larger
    is compared with :func:`_memory_budget_b` (half the machine's memory, or what is available now
    when less).

    Raises
    ------
    InputError
        Naming the stage that dominates, the sizes that multiply up and every way out.
    """
    doc = study.document
    model = getattr(study, "model", None)
    n_bus = len(study.net.bus) if model is None else len(model.buses)
    est = size_estimate_b(study, n_fault_scenarios=n_fault_scenarios,
                          n_scenarios=n_scenarios, staged=staged, held=held)
    stage = max(("faults", "checks", "result"), key=lambda k: est[k])
    need_b = est[stage]
    budget_b = _memory_budget_b()
    if need_b > budget_b:
        raise InputError(Issue(
            str(study.path), "scenarios",
            f"the study needs about {need_b / 2**30:.1f} GiB at its peak, in the {stage} "
            f"stage (faults {est['faults'] / 2**30:.1f} GiB, checks "
            f"{est['checks'] / 2**30:.1f} GiB, the result's tables "
            f"{est['result'] / 2**30:.1f} GiB; {n_scenarios} scenarios × {n_bus} buses × "
            f"{len(doc.devices)} devices × {len(doc.faults.fault_types)} fault types × "
            f"{len(doc.faults.cases)} cases: about {est['rows']:,} device rows where a device "
            f"sees ≥ {DEVICE_ROW_MIN_A:g} A), more than the {budget_b / 2**30:.1f} GiB "
            "allowed (half the machine's memory, or the memory available now when less)",
            "any of: fewer scenarios (scenarios.export_levels_fraction / export_levels_kw, "
            "participation, load_levels); fewer fault types or cases (faults.fault_types, "
            "faults.cases); fewer devices, or split the feeder into smaller studies; "
            "`protv2g run --no-hosting` (or `gate --no-hosting`: hosting runs its own "
            "scenarios through this check) or a smaller `protv2g hosting --grid`; "
            "first-cycle only (`run_study(..., staged=False)`) for the faults stage; or a "
            "machine with more memory, or fewer other programs running (the limit is half the "
            "machine's memory, or what is available when less)"))


def _memory_budget_b() -> int:
    """Half of the machine's physical memory, or the memory available now when less (bytes).

    Available memory is Linux's ``MemAvailable`` (``/proc/meminfo``: free memory plus the
    page cache that can be reclaimed without swapping): it already counts what this process
    holds — the main run's result while ``protv2g run`` goes on to the hosting search, whose
    own scenarios pass through :func:`check_size` — and what other processes hold.
    """
    try:
        half_b = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        half_b = 4 * 2**30
    available_b = _available_b()
    return half_b if available_b is None else min(half_b, available_b)


def _available_b() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes; None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
