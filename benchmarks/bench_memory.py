"""Memory of ``run_study`` per stage against protv2g's own size estimate (issue #21).

Run: ``nice python benchmarks/bench_memory.py [--buses 250 1000 3000] [--levels 3]
[--mem-cap-gb 10] [--workbook]``

Each size runs in its own process (``bench_e2e.make_study``: ≈60 devices, 3 V2G sites,
export levels 0 … 1 (``--levels`` of them) × load levels light/peak, no hosting) under an
address-space cap. The process's peak RSS (``VmHWM``, minus the RSS after the imports)
is read at every stage mark of ``run_study``'s ``progress`` callback, so each figure is the
high-water mark *of that stage alone*: ``VmHWM`` is reset (``/proc/self/clear_refs``) at
every mark, so a stage's figure includes what earlier stages still hold but not their
transients. :func:`protv2g.pipeline.size_estimate_b` is
called with the exact arguments ``fault_tables`` passes to ``check_size`` (recorded by
wrapping it). Printed: buses, device rows, the estimate per stage, the measured peak per
stage and the ratio estimate / measured peak (the estimate should be ≥ 1× and ≲ 1.5–2×).

A benchmark: it prints figures and asserts nothing. "held MB" is the RSS when the stage
ends (what it hands on, plus the allocator's slack).

**Session 15** (#21, branch ``result_mem``, 2026-12-03, load 3.9–7.1 on the 2 cores; ``python
benchmarks/bench_memory.py --buses 10000 3000 --levels 3 --mem-cap-gb 14``, this script run on
``main`` at 259e487 (``git archive``) and on the branch alternately, warm numba caches, three
runs each, all figures shown; MiB over the imports, CPU s in brackets): the chargers' stages
kept once per charger set under a row map both brackets share, and the high bracket's stage
rows that repeat the low one's (99.3 % at 10,000 buses) not at all
(``StagedCurrents.row_map``, ``staged_tables.shared_brackets``; the checks read the map:
``stage_counts``, ``stage_rows_differ``, ``twin_blocks``); the sites' tables built on first use
(no stage of a pandapower study reads them); the engine's dense staged bus currents assembled
on first use (never, on the pipeline's path):

* 10,000 buses: faults peak 1,137 / 1,122 / 1,140 → **982 / 989 / 992** (CPU 6.5 / 5.7 / 7.1
  → 5.1 / 5.8 / 7.2 s); held after the faults 1,012 (all three) → **647** (all three); checks
  peak = whole-run peak 2,013 / 1,997 / 2,000 → **1,668 / 1,662 / 1,674** (CPU 8.0 / 6.1 / 8.8 →
  6.6 / 6.1 / 7.2 s). Medians: peak 2,000 → 1,668 MiB, held after the faults 1,012 → 647 MiB.
* 3,000 buses: faults peak 374 / 373 / 372 → **331 / 333 / 333** (CPU 2.3 / 2.2 / 2.7 → 2.1 /
  2.1 / 2.7 s); held after the faults 328 → **227**; checks peak 725 / 722 / 714 → **566 / 571 /
  568** (CPU 4.5 / 3.4 / 4.3 → 4.0 / 3.3 / 4.3 s).

(The third pair ran after merging ``main`` at c49a757, against that ``main``.)

``fault_tables`` alone at 10,000 buses (a hook on each ``release_freed_memory``, MiB over the
RSS before it, one run each): peak 1,113 → 972, held after it 987 → 621. The old peak was
building the stages' and sites' tables beside the engine result, then both brackets' stages
expanded to the 6 scenarios (1,061 held at the end of the stage); now the high bracket's kept
rows in the engine (923–972). Held now: device table 362, both brackets' stages 105 in one
set of arrays + two 7 MiB int32 row maps, bus table 63. Outputs (``run_study``: every frame
and table, ``meta`` with the gate, the staged currents in their dense form and their sites'
table; ``FaultTables``' both brackets on the six examples): identical to ``main`` (259e487,
and c49a757 after merging it) on the six ``feeders/*/study.yaml`` examples and the 3,000- and
10,000-bus studies. **#21's ≤ 1 GB is not reached**: the checks stage adds ≈ 900 MiB over the
≈ 765 MiB held after the flows (``device_times``' 14 bracket time columns and the two current
columns of 1.8 M rows ≈ +320 MiB kept, C5's family ≈ +340 MiB kept, +390 at its peak); the
device table (362 MiB) is still one block per study scenario (6 blocks of 3 charger sets' rows).

**The faults stage** (#21, branch ``faults_study``, 2026-12-01, load 7.5–9.7 on the 2 cores:
CPU seconds, ``time.process_time``; before = ``main`` at 51e618e from ``git archive``, old and
new run alternately, each in a fresh process, ``fault_tables`` alone on ``bench_e2e.
make_study``'s studies, cold as in a run; MiB over the RSS before the call: high-water mark
(``VmHWM``) / RSS held after it; tracemalloc peak / live in a separate run):

======  ===========  =============  ==============  =============  ===============
buses   dev. rows    CPU s before   CPU s after     RSS peak/held  traced peak
======  ===========  =============  ==============  =============  ===============
1,000   176,164      6.70 / 8.45    3.57 / 3.17     316/316 →      264 → 183
                                                    247/169 (a)    (live 129)
3,000   503,058      14.54 / 14.18  6.79 / 6.90     810/733 →      726 → 494
                                                    608/380        (live 341)
10,000  1,823,534    45.49          20.85           2,618/2,257 →  –
                                                    1,968/1,216
======  ===========  =============  ==============  =============  ===============

(a) the 1,000-bus "after" CPU runs were before the trim below (held 247); one run with it:
169. Again at the branch's last commit (c7c9b7e: the expansion to scenarios by runs of rows),
one old and one new run each, **load 2.2–2.3** (wall ≈ CPU): 1,000 buses 8.96 → **3.13 s**,
peak 318 → 261, held 318 → 186 MiB; 3,000 buses 15.82 → **5.78 s**, 795 → 656, held 719 →
429 MiB; 10,000 buses 49.31 → **18.22 s**, 2,659 → 2,063, held 2,214 → 1,378 MiB (the
held figures scatter ±150 MiB between runs of the same code: allocator arenas).
``bench_memory.py --buses 3000 --levels 3`` after (load 7–9): faults **624 MiB, 7.8 s
CPU** (was 807 / 15.4 in the ``checks_fast`` table above), flows 441 (5.1 s), checks 849
(19.1 s), gate 804 held (0.8 s); estimate 1,662 MiB, 1.96× the peak. 10,000 buses (one run
each, niced, load 7.4–8.3): 45.5 → 20.9 s CPU, peak 2,618 → 1,968 MiB, held after the stage
2,257 → 1,216 MiB. The trim's cost to the next stage: ``fault_tables`` + ``study_flow`` at
3,000 buses, alternately with and without it: flows 3.65 / 3.11 s CPU with, 3.04 / 2.92
without (≤ 0.1–0.6 s, pages faulted in again; inside this load's scatter), RSS after the flows
738 / 732 vs 938 / 946 MiB; the flows' 5.1 s in ``bench_memory`` above is mostly load.
**≤ 2 s / ≤ 1 GB at 10,000 buses is not reached**: the tables the stage hands on are ≈ 1.2 GB
live (device table, both brackets' stages, expanded to 6 scenarios from 3 charger sets).

*Why the stage cost 4–6× the engine benchmark* (warm wrappers with ``process_time``, 3,000
buses, 13.5 s in ``fault_tables``; the engine benchmark's job is not the same: it keeps
per-device maxima, ``keep="summary"``, fused in one kernel, and never writes a device row):
(1) **OpenBLAS threads spinning** on tiny products — the control-law charger term of every
stage and scenario, ``G (60, 3) @ I (3, m)``, ≈ 2.5 s, and ``seq_to_abc``'s ``(n, 3) @ (3, 3)``
in the kept-row rule and the tables ≈ 0.8 s (``OPENBLAS_NUM_THREADS=1`` alone: 13.5 → 8.9 s);
(2) **dense device arrays for every stage**: currents *and voltages* of all 60 × 3,060
(device, fault bus) pairs per stage (``fill`` 2.6 s, 138 calls; up to 5 stages; × the 6 %
rows kept; voltages read only in the first cycle) and their selection (``DeviceRowsBuilder.
add`` 1.4 s); (3) the **high bracket is a second engine run** (sequence networks, Newton of
all stages, fills) whose tidy table was built only to check the row alignment (0.3 s);
(4) ``with_close_in_positions`` 1.3 s: one ``create_bus`` and one concatenation of the whole
line table per device, O(buses × devices); (5) ``check_size``'s estimate 0.9–1.2 s
(``device_chains``). Not a cause: the charger sets are solved once (light and peak share
one, ``engine_inputs``'s ``key_of``); no base-case second net in this study (no site
transformer). Memory: the low bracket's engine result, its per-set tables and the expanded
tables were alive while the high bracket ran; glibc kept the freed transients (RSS held ≈
2× the live tables).

Now: ``seq_to_abc`` written out (no BLAS); the charger term summed inside the fill kernels from
its factors; the first cycle's currents filled for all pairs only to find the kept rows,
every later stage and the voltages filled **only at the kept rows** (``fill_sequence_rows``,
``device_rows.kept_device_arrays``; the high bracket without voltages, aligned on the
kept-row arrays); the low bracket's engine result released before the high one runs; the
kept-row table built in its column order; close-in buses and segments appended at once
(1.3 → 0.26 s); the freed heap handed back at the end of the stage (``malloc_trim``, 0.01 s).
Left: the high bracket still re-solves the first cycle and re-builds the sequence networks
(one engine call for both brackets would share them); ``check_size``'s ``device_chains``
(the checks build the same chains again); ``kept_stages``' expansion to 6 scenarios (both
brackets, 0.5 s; one block per charger set is the checks' rewrite, not done).
Results: ``FaultTables`` of the six ``feeders/*/study.yaml`` examples and the 1,000-bus
study before/after: keys, row sets, order and dtypes identical; both brackets' staged
currents and times, the sites' tables, ``v1_pre_pu`` and the close-in nets (bus, line,
switch tables, element types) **identical**; magnitudes within 3.6e-15 (kA, pu: 1 ulp),
angles within 1.4e-13° at ≥ 0.1 kA and 1.1e-8° on 3 mA currents (rounding of the written-out
transform, relative 1e-10 of a phasor 1e-6 of the row's largest); the angles of phasors
that are rounding noise (|x| ≤ 6.3e-16: the unfaulted phases' bus currents, a bolted fault's
own phase voltages) differ, as any rounding change makes them (380 bus and 28 device cells).

Lead's runs on ``main`` after the merge (2026-12-02, quiet machine, load 1.0–1.1; ``python
benchmarks/bench_memory.py --buses 3000 --levels 3`` and ``--buses 10000 --levels 3
--mem-cap-gb 14``; MiB over the imports, CPU s in brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   671 (7.2)   488 (5.1)     936 (17.9)  905 (0.3)    38.9
10,000 6 (3 sets) 1,823,534    4,932 2,086 (18.9) 1,519 (8.6)  2,814 (45.6) 2,587 (0.9)   81.0
====== ========= ========= ======== ============= =========== ============= ========== =======

At 10,000 buses the study computes in ≈ 73 s CPU (faults 18.9, flows 8.6, checks 45.6, gate
0.9) with a 2.8 GB peak in the checks: far from #21's ≤ 2 s / ≤ 1 GB. The checks are now the
largest stage in time and memory; the next steps are those listed above (checks per scenario
on the columns each family reads, rows kept per charger set).

Session 11 (2026-12-02, merged: the device table built once, already expanded to the study
scenarios, one reference to each scenario name per row instead of a new ``str`` per row, the
freed heap handed back before each bracket's rows are built; the high bracket's first cycle
taken from the low one; staged times only up to each row's last real stage; the violation rows
and C5's concatenations without pandas' consolidation copies), ``python
benchmarks/bench_memory.py --buses 3000 10000 --levels 3``, 09:37–09:38 UTC, load ≈ 1.1 (MiB
over the imports, CPU s in brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   417 (2.7)   374 (0.4)     693 (5.3)   618 (0.1)    12.6
10,000 6 (3 sets) 1,823,534    4,932 1,304 (7.6) 1,170 (1.0)  2,071 (11.2) 1,921 (0.3)   24.2
====== ========= ========= ======== ============= =========== ============= ========== =======

The session's start (2bb423f), run right after on the same quiet machine: 3,000 buses faults
683 (2.8), flows 484 (1.3), checks 878 (5.5), gate 838 (0.1), 13.8 s; 10,000 buses faults
2,156 (9.5), flows 1,515 (1.0), checks 2,590 (13.8), gate 2,572 (0.5), 28.9 s. So at 10,000
buses ≈ 25.7 → 20.3 s CPU and peak 2,590 → 2,071 MiB; at 3,000 buses peak 878 → 693 MiB
(session 10's ≈ 48 s CPU was a busier machine). The helpers' alternated harnesses, same load
for old and new: ``fault_tables`` peak 2,056–2,124 → 1,283–1,286 MiB and held after it 1,378 →
1,037 MiB (CPU unchanged within scatter); ``check_study`` peak 1,022–1,058 → 855–856 MiB, CPU
11.2 → 10.1–10.6 s. #21's ≤ 2 s / ≤ 1 GB is not reached: the checks' peak is their own ≈ 850
MiB over the ≈ 1.0 GB of fault tables held (the device table 362 MiB and both brackets'
stages 2 × 209 MiB, each repeated for the scenarios that share a charger set: keeping each set's
rows once with an index would halve them, but the checks read the arrays directly today).

Session 10 (2026-12-02, merged: the checks' second and third passes — pair rows joined only
where the primary operates, scenario blocks that repeat an earlier one bit for bit
(``checks/_rows.twin_blocks``: shared charger sets) timed once, ``attribute`` on integer codes,
C5's messages once per distinct row, C7's base rows by hashing; the directional defaults' line
impedances in one pass and one line graph for all relays (the flows stage); both charger
brackets in one engine call sharing each case's sequence networks and factorisation; the
close-in study built once per run), ``python benchmarks/bench_memory.py --buses 3000 --levels 3``
then ``--buses 10000``, 06:33–06:37 UTC, load 0.1–1.1 (MiB over the imports, CPU s in brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   664 (5.7)   477 (0.5)     862 (12.0)  833 (0.2)    27.8
10,000 6 (3 sets) 1,823,534    4,932 2,129 (16.9) 1,519 (1.8)  2,597 (26.2) 2,508 (1.0)   54.7
====== ========= ========= ======== ============= =========== ============= ========== =======

At 10,000 buses ≈ 48 s CPU (was ≈ 61): flows 7.6 → 1.8 s (the directional defaults read
``net.line`` with a ``.loc`` per line and relay and rebuilt the line graph per relay: 8.5 →
0.7 s), checks 35.9 → 26.2 s, peak 2,818 → 2,597 MiB; the faults stage unchanged within
scatter (its own harness, fresh processes alternated: 14.8–15.9 → 13.1–15.0 s CPU). #21's ≤ 2 s
/ ≤ 1 GB is not reached. The checks' harness (``check_study`` alone): 10,000 buses 26.9–32.3 →
15.5–21.0 s CPU, peak 1,160–1,204 → 1,023–1,054 MiB; 3,000 buses 10.2–12.6 → 6.8–7.4 s. What
is left at 10,000 buses: ``device_times`` ≈ 5.5 s (``staged_operating_times`` 3.3), C5 ≈ 4 s
and its zone join's +450 MiB transient (the checks' peak), C7 ≈ 2 s, ``attribute`` ≈ 2 s, the
Device duty sheet 2.1–2.7 s; the faults stage's block expansion (``kept_stages``/``take`` ≈ 2 s)
and the high bracket's first cycle, still solved twice; ≈ 1.2 GB of tables held between stages.

Session 9 (2026-12-02, helper ``checks_scale`` merged: device times, tolerances and data
boundaries once per distinct current row — 503,058 device rows at 3,000 buses carry 167,638
distinct first-cycle and 251,123 distinct staged inputs; one look-up kind for every primary's
time; the pair table's columns added one by one; C5's cached reach margins for the base cases
only; ``attribute`` without a deep copy), ``python benchmarks/bench_memory.py --buses 3000
10000 --levels 3``, 03:24–03:28 UTC, load 0.9–1.6 (MiB over the imports, CPU s in brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   669 (6.1)   476 (2.7)     946 (14.3)  943 (0.3)    31.3
10,000 6 (3 sets) 1,823,534    4,932 2,132 (16.8) 1,505 (7.6)  2,818 (35.9) 2,632 (0.7)   69.0
====== ========= ========= ======== ============= =========== ============= ========== =======

(The 3,000-bus row is a second run: the first, right after the merge, showed checks 41.2 s —
numba compiling the engine's changed kernels for the stage re-solves of the Charger stages
table, once per installation, then cached.) At 10,000 buses ≈ 61 s CPU (was ≈ 73), the peak
still 2.8 GB in the checks: #21's ≤ 2 s / ≤ 1 GB is not reached. The checks' own harness
(``check_study`` alone on pickled inputs, fresh processes, old/new alternated): 3,000 buses
11.0–12.6 → 8.6–10.3 s CPU, 10,000 buses 35.7–41.2 → 23.1–31.4 s, peak 1,269–1,276 → 1,175–1,231
MiB; what is left there: ``device_times`` ≈ 8 s at 10,000 buses (hashing to find repeated rows
≈ 0.7 s — keying rows by charger set in the pipeline would avoid it), a 230 MiB pair table
whose rows mostly have a primary that does not operate (dropping them before the join would
cut the 1,126 MiB pair-evaluation peak), ``attribute``'s join on 9 text keys (≈ 1 s at 3,000).

After the checks' and the pipeline's copies were cut (#21, branch ``study_mem``, see
``bench_e2e.py``; ``nice python benchmarks/bench_memory.py --buses 3000 --levels 3
--mem-cap-gb 12`` and the same with ``--buses 10000``, load 10–12; MiB as below; CPU s in
brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   821 (22.8)  731 (3.2)   1,260 (30.6)  946 (0.6)   512.1
10,000 6 (3 sets) 1,823,534    4,932 2,686 (51.0)  2,341 (8.2) 3,926 (71.0)  2,583 (1.7) 290.5
====== ========= ========= ======== ============= =========== ============= ========== =======

After the checks' joins on integer codes and C7/the brackets' block-wise evaluation (#21,
branch ``checks_fast``, see ``bench_e2e.py``; same commands, ``--mem-cap-gb 10``, load 2–6):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   807 (15.4)  736 (2.8)     925 (24.2)  854 (0.6)   244.2
10,000 6 (3 sets) 1,823,534    4,932 2,664 (39.8)  2,319 (8.2) 2,842 (61.2)  2,577 (1.9) 295.9
====== ========= ========= ======== ============= =========== ============= ========== =======

Measured 2026-12-01 after device rows are kept only where the device sees ≥ 1 A on the
pandapower path as on the OpenDSS one (branch ``seq_rows``; ``nice python
benchmarks/bench_memory.py --buses 1000 3000 10000 --levels 3 --mem-cap-gb 12``, load average
6–8: other engineers' jobs on the 2 cores; MiB above the RSS after the imports, each stage's
own high-water mark; "est." is the estimate as it was when measured, before the
recalibration that followed from these figures — now 757 / 1,662 / 4,932 MiB):

====== ========= ========= ========= ======== ========= ======== ========== ========
buses  scenarios dev. rows est. MiB  faults   flows     checks   gate(held) wall s
====== ========= ========= ========= ======== ========= ======== ========== ========
1,000  6 (3 sets)   176,164       742      365       351      702        699    401.8
3,000  6 (3 sets)   503,058     1,387      947       799    1,492      1,053    200.7
10,000 6 (3 sets) 1,823,534     4,347    3,106     2,190    4,148      2,410    774.6
====== ========= ========= ========= ======== ========= ======== ========== ========

(1,000 buses ran while numba compiled and the load was highest.) Rows: 5.8 %, 5.7 % and
6.3 % of the full table (3,052,800 / 8,812,800 / 28,972,800). Stage times at 10,000 buses:
faults 94 s, flows 17 s, checks 646 s, gate 2.6 s.

Measured 2026-12-01 on the shared 2-core VM (branch ``sizecheck`` at f3f791a; MB above the
RSS after the imports; "held" = the gate stage's peak, i.e. the tables kept):

``nice python benchmarks/bench_memory.py --buses 250 1000 --levels 3`` and
``nice python benchmarks/bench_memory.py --buses 3000 --levels 1``

====== ========= ========= ======== ========= ======== ======== ========= ========
buses  scenarios rows      est. MB  faults MB flows MB checks MB est/peak  wall s
====== ========= ========= ======== ========= ======== ======== ========= ========
250    6 (3 sets)   330,000      917       679      412      713     1.29     12.0
1,000  6 (3 sets) 3,052,800    6,370     5,655    3,049    5,614     1.13     56.7
3,000  2 (1 set)  2,937,600    6,139     3,056    1,728    4,616     1.33     45.8
====== ========= ========= ======== ========= ======== ======== ========= ========

3,000 buses with 2 export levels (4 scenarios, 5,875,200 rows) ended in a MemoryError in
``faults`` (``pipeline._take``'s ``reset_index`` copy) under the 10 GB address-space cap.
Before the checks' two deep copies of the device table were removed (first run, same
machine, ``ru_maxrss`` cumulative): 1,000 buses faults 5,633 MB, checks 6,194 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    """Peak RSS since the last :func:`_reset_peak` (``VmHWM``), MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def _reset_peak() -> None:
    """Start a new high-water mark at the current RSS (Linux ``clear_refs`` 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def child(study_path: str, workbook: bool) -> dict:
    import protv2g.pipeline as pipeline
    from protv2g import load_study, run_study

    base = _rss_mb()
    seen: dict = {}
    original = pipeline.check_size

    def recording(study, **kw):
        seen["estimate_b"] = pipeline.size_estimate_b(study, **kw)
        seen["args"] = kw
        return original(study, **kw)

    pipeline.check_size = recording
    marks: list[tuple[str, float, float, float, float]] = []

    def mark(stage: str) -> None:
        marks.append((stage, time.perf_counter(), _peak_mb(), time.process_time(), _rss_mb()))
        print(f"STAGE {stage} {_peak_mb() - base:.0f}", file=sys.stderr, flush=True)
        _reset_peak()

    warnings.simplefilter("ignore")
    mark("load")
    study = load_study(study_path)
    result = run_study(study, hosting=False, progress=mark)
    if workbook:
        mark("workbook")
        result.to_excel(Path(study_path).with_suffix(".xlsx"))
    mark("end")
    # held: the RSS when the stage ends (what it hands on, plus the allocator's slack)
    stages = {name: {"s": t2 - t1, "peak_mb": p2 - base, "cpu_s": c2 - c1,
                     "held_mb": r2 - base}
              for (name, t1, _, c1, _), (_, t2, p2, c2, r2) in zip(marks, marks[1:],
                                                                   strict=False)}
    return {"base_mb": base, "stages": stages, "buses": len(study.net.bus),
            "device_rows": len(result.device_faults), "estimate_b": seen.get("estimate_b"),
            "args": seen.get("args")}


def run_one(n_buses: int, levels: int, cap_gb: float, workbook: bool) -> dict:
    import numpy as np
    import yaml
    from bench_e2e import make_study

    folder = Path(tempfile.mkdtemp(prefix=f"mem{n_buses}_"))
    path, info = make_study(folder, n_buses)
    doc = yaml.safe_load(path.read_text())
    doc["scenarios"]["export_levels_fraction"] = [float(x) for x in np.linspace(0, 1, levels)]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    cap = int(cap_gb * 2**30)
    cmd = [sys.executable, __file__, "--child", str(path)] + (["--workbook"] if workbook else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    wall = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"buses": n_buses, "error": proc.stderr[-1500:], "wall_s": wall, **info}
    out = json.loads(lines[-1])
    out.update(wall_s=wall, devices=info["devices"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--buses", type=int, nargs="+", default=[250, 1000, 3000])
    ap.add_argument("--levels", type=int, default=3)
    ap.add_argument("--mem-cap-gb", type=float, default=10.0)
    ap.add_argument("--workbook", action="store_true")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.workbook)))
        return
    print(f"{'buses':>6} {'dev rows':>10} {'stage':>9} {'est MB':>8} {'peak MB':>8} "
          f"{'est/peak':>8} {'s':>7} {'cpu s':>7} {'held MB':>8}")
    for n in args.buses:
        r = run_one(n, args.levels, args.mem_cap_gb, args.workbook)
        if "error" in r:
            print(f"{n:>6} failed after {r['wall_s']:.0f} s:\n{r['error']}")
            continue
        est = r["estimate_b"] or {}
        total_est = max(est.values()) / 2**20
        for stage, fig in r["stages"].items():
            e = est.get(stage)
            e_mb = f"{e / 2**20:8.0f}" if e is not None else f"{'':>8}"
            print(f"{r['buses']:>6} {r['device_rows']:>10} {stage:>9} {e_mb} "
                  f"{fig['peak_mb']:8.0f} {'':>8} {fig['s']:7.1f} {fig['cpu_s']:7.1f} "
                  f"{fig['held_mb']:8.0f}")
        peak = max(f["peak_mb"] for f in r["stages"].values())
        print(f"{r['buses']:>6} {r['device_rows']:>10} {'TOTAL':>9} {total_est:8.0f} "
              f"{peak:8.0f} {total_est / peak:8.2f} {r['wall_s']:7.1f}   args {r['args']}",
              flush=True)


if __name__ == "__main__":
    main()
