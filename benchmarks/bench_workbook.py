"""The study workbook alone: seconds, size, files beside it, peak RSS (issue #21).

Run: ``python benchmarks/bench_workbook.py [STUDY.yaml | RESULT.pkl ...] [--save-result DIR]
[--bulk-rows N] [--pictures auto|serial|parallel] [--findings-first] [--cold]
[--pictures-alone]``

Each study (default: the depot) is run once (``load_study`` + ``run_study(hosting=False)``), or
a pickled :class:`~protv2g.result.StudyResult` is read (``--save-result DIR`` pickles each run
there, so a big study, e.g. the IEEE 8500 built as in ``bench_e2e.py``, is computed once and its
workbook re-timed as often as wanted); then :func:`protv2g.report.excel.write_workbook` is timed
in a temporary folder, its seconds and CPU seconds (``process_time``, less load-dependent)
split into pairs (the fault key codes, index and pair table before ``derive``), derive
(derived tables), spill (tables written whole beside the workbook), tables, pictures (TCC
and feeder plot sheets: in the main process, or the wait for the picture worker), save (XML +
zip; the pictures still being drawn are waited for, or drawn here, then) and the rest (bulk
summaries, TCC plan); the picture worker's CPU seconds (``RUSAGE_CHILDREN``, it is joined at
the end) are printed beside them, and the CPU seconds of the pictures this process draws
while it waits for the worker (within pictures and save). ``--pictures`` sets
``parallel_pictures``.
``--findings-first`` builds the findings before the clock starts, as ``protv2g run`` does in
its findings stage (the workbook reuses them: ``StudyResult.derived``). Before the clock the
compiled kernel the workbook calls is loaded (:func:`warm_kernels`), as ``protv2g run`` has it
by then; ``--cold`` leaves it to the workbook (before session 39 it was always left there).
``--pictures-alone`` times the pictures alone instead (:func:`time_pictures`: each drawing
job of the workbook, recorded, drawn in order in this process as the worker draws them).
``--bulk-rows N`` passes ``bulk_rows`` (tables of :data:`protv2g.report.bulk.BULK_SUMMARIES`
longer than N rows go beside the workbook, their sheet holding the summary). Peak RSS is
``ru_maxrss`` at the end minus the RSS before the workbook; the 1-min load average is printed
beside it (the machine is shared). A benchmark: it prints and asserts nothing.

Session 4 (2026-12-01, load 1.5–3.1): openpyxl through lxml took the depot 22.5 → 18.1 s and
the IEEE 8500 (one site) 141 → 46 s, its bulk tables beside the workbook.

Session 5 (2026-12-01, same pickled results; "before" = 0748181, "after" = this branch,
alternated in separate processes on the shared 2-core VM at 1-min load 4.7–6.2, so the
seconds are about 1.3–1.5× those of session 4):

* depot (24 buses, 546,000 table cells): before 26.4 / 22.0 s (tables 6.1 / 5.7, pictures
  7.3 / 6.8, save 11.0 / 8.1), 4.80 MB, +274 MB; after 22.7 / 23.0 s (tables 6.1 / 5.9,
  pictures 4.7 / 5.1, save 10.3 / 9.8), 4.47 MB, +215 MB. CPU seconds (``process_time``, less
  load-dependent): 17.6 / 17.4 → 15.3 / 14.7 s.
* IEEE 8500, one site: before 49.6 s (tables 14.6, pictures 7.6, save 20.5), 7.65 MB,
  +501 MB; after 39.8 s (tables 9.9, pictures 5.8, save 18.3), 7.59 MB, +483 MB.
* depot with ``--bulk-rows 1000`` (Coordination, Fault currents, Flow, Flow buses, Flow
  branches summarised, whole in Parquet beside): 8.6 s (tables 1.5, pictures 3.6, save 1.4),
  1.63 MB, +114 MB.

What changed: pictures at 150 dpi (168 dpi on the printed page) drawn once on the Agg canvas,
RGB at zlib level 1, the TCC's minor log grid as line collections instead of ≈ 90 minor tick
artists a plot (pictures ≈ 30 % fewer seconds); no cell for an empty value (53,320 of the
depot's cells); Excel table columns named when the table is made (openpyxl otherwise builds the
table range's cells at save). What remains is openpyxl's ≈ 20–25 µs a cell (building the cell,
then writing it through lxml at save): a workbook in about a second needs ≲ 50,000 cells, i.e.
summaries instead of the evidence tables (``--bulk-rows``), not a faster writer alone
(xlsxwriter wrote the depot's six largest tables, 521,000 cells, in 12.2 / 7.1 s
against openpyxl's 11.8 / 13.7 s, at load 6).

Session 7 (2026-12-01, branch ``wb_fast``; "before" = c5110d2, "after" = this branch, the
same pickled results, alternated in separate processes at 1-min load 4–7: the wall seconds are
2–4× the CPU seconds and erratic, the CPU seconds are the figures to compare; ± ≈ 15 %):

* what changed: bulk tables summarised above :data:`protv2g.report.bulk.BULK_ROWS` = 1,000 rows
  (was 20,000), Flow directional, Flow sites and Directional summarised too; the pictures drawn
  in a worker process (:mod:`protv2g.report.pictures`) while the tables are written; a wrapped
  column's alignment set once (was 15,000 ``cell.alignment`` look-ups on the depot).
* depot (24 buses): cells 546,000 → 33,000. Before 44.3 / 43.1 / 41.9 s, CPU 19.7 / 19.3 /
  20.6 s (derive 1.2, tables 5.2, pictures 4.6, save 8.7), 4.46 MB, +209 MB. After 17.6 /
  13.5 / 18.0 / 16.4 s, CPU 4.0 / 4.3 / 5.5 / 5.3 s in the main process (derive 1.5, tables
  1.2, save 0.7, rest 0.7, pictures drawn there while waiting 0–1.1) + 3.4–4.3 s in the
  picture worker, 1.34 MB + six Parquet files beside (0.67 MB: Coordination 0.12, Fault
  currents 0.09, Flow 0.06, Flow branches 0.18, Flow buses 0.16, Flow directional 0.06),
  +57–84 MB. Pictures in the main process (``--pictures serial``): 18.7 s, CPU 8.3 s.
  On two idle cores that is ≈ 4–5 s (the pictures, ≈ 4 s CPU: 8 TCCs at ≈ 0.3 s and the
  feeder plot, now beside derive + tables + save ≈ 4 s), not yet the second asked for.
* 250-bus synthetic (``bench_e2e.make_study``, 21 paths: 42 TCCs): cells 1,049,000 (490,000
  written: Coordination was already beside) → 261,000, of which Evidence 183,000 (4,937 rows
  linked from the Findings, never summarised). Before 60.6 s, CPU 38.5 s (derive 5.1, tables
  4.1, pictures 20.8, save 8.2), 9.96 MB; after 68.4 s, CPU 23.7 + 14.0 s in the worker
  (derive 5.2, tables 3.0, save 5.3, pictures 9.0 drawn in the main process while waiting),
  8.27 MB + 1.45 MB of Parquet; serial 41.6 s CPU. At load 5–6 two processes do not get two
  cores: the wall did not drop. The pictures are 55–60 % of this workbook's CPU: 24 of the 42
  TCCs are the target of a finding's link.
* IEEE 8500 (one site): before 128.8 s, CPU 39.4 s (derive 5.0, tables 8.6, pictures 5.8, save
  19.0), 7.72 MB; after 42.8 s, CPU 27.6 s + 7.8 s in the worker (derive 4.6, tables 7.9, save
  13.3), 6.29 MB + 8.83 MB of Parquet. Its summaries stay long (per bus: Fault currents 16,744
  rows, Flow buses 9,778) and Evidence holds 5,407 rows: 891,000 cells.

Session 12 (2026-12-02, branch ``wb_10k``; "before" = main e9d0992, the pickled results of
the 3,000- and 10,000-bus synthetic studies, ``write_workbook`` alone, old and new alternated in
fresh processes on the shared 2-core VM at 1-min load 5-10: wall seconds are 3-4x the CPU
seconds, compare the CPU; peak = VmHWM over the RSS before the workbook):

* what changed: an Evidence table longer than ``EVIDENCE_ROWS`` = 20,000 rows goes whole
  beside the workbook and its sheet holds per finding its first (worst) row, which the
  Findings link to, and its extremes (``report/bulk.py``); a bulk summary longer than
  ``SUMMARY_ROWS`` = 20,000 rows is made by coarser groups (Fault currents per scenario, fault
  type and case; Flow buses per scenario); a feeder plot with more than 300 fault locations of
  violations rings them in one collection per status and names the 60 worst; text columns
  converted once per distinct text. Depot, the six ``feeders/*/study.yaml`` and the 250-bus
  study: every workbook part byte-identical but the timestamp, the Parquet files beside too.
* 10,000 buses (263,781 evidence rows, 482,880 fault rows, 1.8 M device rows): cells
  8.9 M -> 278,000 (Evidence 6.3 M -> 8,153; Fault currents 1.65 M -> 96 rows; Flow buses
  30,000 -> 12 rows), 67.1 -> 14.6 MB (12.4 MB of it the 113 pictures) + 5 Parquet files
  (Evidence 12.4 MB new). Two rounds at load 6-7: main-process CPU 75.7 / 113.2 -> 27.1 /
  32.3 s, picture worker 41.1 / 57.8 -> 13.5 / 15.1 s, peak +2,752 / +2,754 -> +1,235 /
  +1,235 MiB (the process 4.0 -> 2.5 GiB with its 1.3 GiB result), wall 390 / 448 -> 78 /
  132 s. The issue's 119.7 s were the old ≈ 117 CPU seconds on a quiet machine: the new
  ≈ 41-47 CPU seconds (27-32 in the main process) are not yet the 20 s asked for.
* 3,000 buses: CPU 31.0 / 32.8 -> 21.6 / 21.9 s + worker 19.3 / 21.2 -> 14.4 / 14.5 s, peak
  +874 / +857 -> +412 / +380 MiB, 31.0 -> 16.8 MB, wall at load 8-10 128 / 144 -> 88 / 96 s.
* the feeder plot of 10,000 buses: 9,557 violation locations drew 19,184 texts and 9,625
  artists, 16.8 s + 39.0 s PNG under cProfile -> 1.0 + 1.0 s.
* left: the findings (``build_findings``, another helper's) are most of derive; the 112 TCCs
  (56 paths x 2 families, ≈ 0.25 s each at this load) are the pictures' CPU, drawn only
  after ``derive`` returns the pair table (``derive`` taking the fault index and returning the
  pairs first would let the worker start them ≈ 10 s earlier).

Session 11 (2026-12-02, branches ``wb_third``, ``wb_pictures``, ``wb_cells``; every
workbook part byte-identical to the old save except the timestamp and every picture
pixel-identical, depot, residential, 250-bus and IEEE 8500):

* what changed: ``derive`` builds the device models and the fault index once (three and two
  times before), the export trend on NumPy arrays; the TCC plan's pair annotations grouped once;
  a reused TCC Figure keeps each background (axes, grid, ticks, labels) and restores it, and
  pastes a repeated one-line text's pixels where the pixels under it are what they were when
  it was drawn (``report/tcc_figure.py``); PNG bytes taken from the Agg buffer in place; a
  table's data rows written to the sheet XML from its columns without openpyxl cells
  (``report/table_rows.py``), links as text too.
* lead, quiet machine (load 0.6), ``run_study`` + ``write_workbook`` in one process, session
  start (2bb423f) and now alternated, three rounds: depot workbook 1.80–1.92 → **1.50–1.57 s**
  wall, 1.34 MB (this machine measured 3.21–3.24 s for the old code last session at load
  0.9–1.3 and busier neighbours).
* 250-bus (``bench_e2e.py --buses 250 --skip-8500 --skip-pp --skip-pgm``, alternated, load
  1.2–1.3): workbook 8.23 / 8.36 → **5.36 / 5.40 s** wall, 8.2 MB; the whole run 11.5–11.8 →
  8.6 s; helpers' CPU: TCC 246 → 138–141 ms a picture (first draw), 43 pictures 10.1–11.1 →
  6.3–6.7 s.
* IEEE 8500: main process 6.7–7.0 → 4.2–4.8 s CPU (save 3.4–3.5 → 1.9–2.0, tables 1.35–1.46
  → 0.62–0.65, derive 1.8–1.9 → 1.1); its feeder plot 3.2–3.3 → 2.0 s; ``bench_e2e.py`` workbook
  stage 12.4–13.8 → 4.3 s wall.

Session 10 (2026-12-02, branches ``wb_fast`` and ``wb_more``; "before" = main of the
morning, the same pickled results, alternated in fresh processes; CPU s of the main process +
the picture worker; load 4.7–8):

* what changed: styles and merged cells set once per distinct style and copied
  (:mod:`protv2g.report.styling`); the save writes each row of plain cells (numbers, booleans,
  text) as the XML text openpyxl would write, straight into the sheet part
  (:mod:`protv2g.report.sheet_writer`; other cells through openpyxl's own writer); the cyclic
  garbage collector paused while the workbook is built. Every part of the .xlsx byte-identical
  to the old save except the timestamp (depot, residential, IEEE 8500), every cell, style,
  merge and width the same (32,957 / 25,022 / 811,674 cells compared).
* depot: 3.92–4.16 + 2.5–2.85 → 3.04–3.68 + 2.3–2.8 s (table cells 0.44 → 0.10, column widths
  0.19 → 0.03, Summary 0.30 → 0.07, save 0.89–1.16 → 0.63–0.78); 1.341 MB either way. With
  ``run_study`` + ``write_workbook`` timed in one process on a quiet machine (load 0.9–1.3,
  old/new alternated): 3.90–4.18 → 3.21–3.24 s wall. Left: derive 0.5–0.8 s (``build_findings``,
  ``pair_table``), the TCC sheets 0.8–1.0 s (pictures drawn in the main process while it waits),
  plan/spill ≈ 0.4 s.
* residential: 3.91 + 3.35 → 2.69–3.16 + 2.3–2.6 s; 1.175 MB.
* IEEE 8500: 22.2 + 5.4 → 13.8–14.6 + 7.3–7.6 s (save 10.2 → 7.2 s); 6.22 MB. In
  ``bench_e2e.py`` (load 0.6–1.1): the workbook stage 23.3–24.2 → 12.4–13.8 s wall.

Session 8 (2026-12-02, branch ``pictures``; "before" = main 51e618e, "after" = this branch, the
same pickled results, alternated in separate processes; CPU seconds, ± ≈ 15 %):

* what changed: the TCCs are drawn on one Figure per process, reused
  (:mod:`protv2g.report.tcc_figure`: its axes, tick artists, Agg renderer and the renderer's
  text-metrics cache are made once; each picture removes the previous one's artists); the
  legend ``plot_tcc`` built and ``path_figure`` replaced is no longer built; the feeder plot's
  labels are Text with an offset transform, not annotations; column widths are measured on
  the cell values already written. Results unchanged: every PNG has main's pixels and bytes
  (depot: 8 TCCs + feeder plot; 250-bus: 42 TCCs + feeder plot), every cell the same value,
  number format, bold, wrap and hyperlink, every column width and row height (depot 35,358
  cells, 250-bus 267,796).
* the pictures alone (``draw_png`` of every job in one process, load 1.8–2.4): depot 8 TCCs
  2.88–3.30 s (360–412 ms each) → 2.32–2.64 s (290–330 ms); 250-bus 42 TCCs 18.7–20.3 s
  (444–482 ms) → 15.1–16.8 s (360–399 ms); the 250-bus feeder plot 0.98–1.10 → 0.92–1.05 s
  (draw and PNG). A figure left uncleared (the feeder plot) made a later garbage collection
  cost ≈ 0.5 s: ``png`` clears every figure but the reused TCC one.
* the workbook, pictures in the main process (``--pictures serial``, load 2.2–2.6): depot CPU
  7.56 / 6.50 s (pictures 3.92 / 3.05) → 6.48 / 6.83 s (2.80 / 3.04); 250-bus 30.89 / 34.80 s
  (pictures 17.39 / 20.84) → 30.29 / 31.80 s (16.40 / 17.65). With the worker (load 2.7–4.3):
  depot 13.1 / 24.8 s, CPU 4.51 + 3.72 / 6.03 + 3.84 s in the worker → 16.0 / 18.6 s,
  4.61 + 3.17 / 5.17 + 3.01 s; at load 8–9: 250-bus CPU 23.9 + 14.9 / 26.5 + 15.3 s →
  21.5 + 12.9 / 25.3 + 13.8 s.
* where a TCC's ≈ 300 ms go now (depot, warm): legend ≈ 100 ms and the other texts ≈ 40 ms
  (matplotlib 3.11 renders each glyph through FreeType from a Python loop, ≈ 0.1 ms a glyph,
  ≈ 700 glyphs a legend), the two axes ≈ 55 ms, PNG ≈ 50–70 ms (Pillow's per-row adaptive
  filter: ≈ 38 ms even at zlib level 0), building the artists ≈ 40 ms. Rendered at 90 dpi
  (the size shown on the sheet) a TCC took ≈ 15 % less (71 kB against 138 kB): the cost is per
  glyph, not per pixel, so 150 dpi stays for print. The text hinting modes differed within the
  noise. Blitting a rendered background would keep only the y axis (the x limits, title and
  labels differ per plot), ≈ 30 ms a TCC, and change pixels where the grids cross: not done.
  openpyxl's ``write_only`` mode is one mode for the whole workbook (the Summary merges cells,
  the TCC sheets hold images) and writes each cell through the same lxml writer: not tried.

Session 17 (2026-12-03, branch ``wb_speed2``; "before" = main 059026d, the pickled results,
``write_workbook`` alone, old and new alternated in fresh processes, three rounds, medians;
pictures in the worker (the default); peak = VmHWM, reset after the result is loaded, over
the RSS before the workbook; 1-min load 4.5-14, so compare the CPU seconds, ± ≈ 15 %):

* what changed: the Parquet spills are written 32,768 rows a row group
  (``report.overflow``: ``ParquetWriter``, one thread, the pool's unused memory released
  after each; an object column's type from ``pyarrow.infer_type``, not from converting the
  column whole) and read back as the same Arrow table, schema and pandas metadata included;
  ``FaultIndex`` builds its key in place one column at a time and reads a sorted key
  without sorting it; the Evidence's element columns are joined, and a sheet's columns
  reordered, without copying them (``report.sheets.column_view``); the feeder plot's job
  gets the four violation columns the plot reads instead of the whole table, which the
  process pool pickled in this process (+400 MiB at 10,000 buses).
* 10,000 buses: peak **+769 → +416 MiB** (+765-770 → +415-420; pictures in the main
  process: +686 → +397), CPU 12.99 → 11.61 s in the main process + 9.07 → 9.27 s in the
  worker, wall 68 → 61 s at load 7-10; xlsx 15.2 MB and the five Parquet files' tables
  unchanged (their bytes differ: row groups).
* 250 buses (before the feeder-plot change): peak +231 → +185 MiB, CPU 5.21 → 4.21 s +
  worker 3.80 → 3.14 s. Depot: peak +126 → +98 MiB, CPU 1.99 → 1.96 s + worker 1.36 →
  1.36 s.
* identical: every cell's value and number format (openpyxl read-back), every picture's
  pixels and every Parquet table on the six ``feeders/*/study.yaml``, the 250- and the
  10,000-bus studies; every xlsx part byte-identical but the timestamp.
* where the peak is now (10,000 buses, tracemalloc): ``findings.build_findings`` (called by
  ``derive``, not a report module) allocates +249 MiB over ≈ 50 MiB live, the heap the later
  steps reuse; then the Evidence spill (36 MiB of it the UTF-8 copies CPython keeps of the
  non-ASCII messages once pyarrow reads them) and the TCC sheets (+30 MiB). In
  ``bench_e2e.py --buses 10000`` the workbook stage was 1,930 MB against the checks' 1,502
  (059026d); this branch merged with main (one run, load 4.6-7): checks 1,592, workbook
  **1,683 MB**, still 91 MB above the checks' peak. A faster deflate: ``isal``
  (PyPI) at level 1 compresses a TCC's 6.1 MB of filtered rows in 1.9 ms against zlib's
  12.8 ms (same size), ≈ 1.2 s of the 10,000-bus worker's CPU, which is not the critical
  path there: not adopted (a binary dependency; the PNG bytes would depend on whether it is
  installed, the pixels not).

Session 18 (2026-12-03, branch ``wb_speed``; "before" = main 602c3d6, "after" = 342dada, the
pickled results, ``write_workbook`` alone, old and new alternated in fresh processes, three
rounds, medians; peak = VmHWM reset after the result is loaded, over the RSS then; 1-min load
4-12, so compare the CPU seconds, ± ≈ 15 %):

* what changed: a TCC is placed on its sheet before it is drawn and its PNG taken when
  openpyxl writes the media, after every sheet's XML (``tcc_sheets._QueuedImage``): the worker
  draws on while this process saves, which before waited for (or drew) the last TCCs; the
  Summary counts rows per (criterion, status) text once (``_counts`` 0.53 -> 0.04 s at 10,000
  buses); the Parquet spills dictionary-encode all but the float columns (``write_table`` of
  the five 10,000-bus spills 0.99 -> 0.68 s, Fault currents 48.3 -> 41.1 MB); a finding's
  weakest input basis from its distinct texts; the fault index dropped after ``derive`` and
  the freed heap handed back (``release_freed_memory``) after it and after each spill.
* 10,000 buses: CPU 9.23 -> 7.82 s in the main process + 7.29 -> 7.01 s in the worker, peak
  **+416 -> +356 MiB** (now ``derive``'s own: ``build_findings``), wall 54.7 -> 36.6 s.
* 3,000 buses: 8.89 -> 8.55 + 6.56 -> 6.91 s, peak +198 -> +173 MiB, wall 30.5 -> 22.6 s.
  250 buses: 4.03 -> 4.01 + 3.05 -> 3.83 s (the worker draws the TCCs the main process drew
  while it waited), peak +206 -> +169 MiB, wall 14.1 -> 13.9 s. Depot: 1.26 -> 1.06 + 0.97 ->
  1.08 s, peak +97 -> +80 MiB, wall 5.2 -> 4.1 s.
* identical: every xlsx part byte-identical but the timestamp (six ``feeders/*/study.yaml``,
  250, 3,000 and 10,000 buses; every PNG the same bytes), every Parquet table equal read back
  (schema and metadata included); their bytes differ (dictionary pages).
* left: ``build_findings``' transient (+190 MiB over its input at 10,000 buses: the kept rows'
  int64 codes of ≈ 10 columns, ``findings.py:253-315``) is the workbook's peak; a TCC is
  ≈ 90 ms CPU (text layout and glyphs ≈ 25 ms, zlib ≈ 10-12 ms, the legend's
  ``Line2D.update_from`` deep-copies each marker, ``tcc_legend.py:79``); the zip deflates the
  PNGs again (0.37 s at 10,000 buses; stored, the xlsx would be 15.2 -> 18.2 MB).

Session 46 (2026-12-07, branch ``wb46`` on main 8f23e5fe; the 10,000-bus result of
``bench_e2e.make_study`` pickled once, ``write_workbook`` alone after ``result_findings``, the
kernel and the curve library loaded first; 1-min load 11-20 from seven other helpers, so the
wall is 5-10x the CPU and the CPU scatters ±0.4 s):

* what changed: every part of the workbook's zip deflated by ISA-L level 2
  (``report/zip_deflate.py``; zlib level 3 for the XML and 1 for the PNGs before): on the
  10k workbook's own parts 0.133 + 0.200 -> 0.025 + 0.028 s CPU, 11.96 -> 12.57 MB; the save
  alone, the same workbook saved alternately in one process, three each, 1.02 / 1.23 / 1.23 ->
  0.76 / 0.77 / 0.78 s CPU, the parts byte-identical. The pair table's three numbers a point
  coerced as scalars, not through one-value Series (``pair_stage_current.number_or_nan``).
* the whole workbook, base / new alternated in fresh processes (main + worker CPU s):
  6.41 / 6.93, 6.56 / 6.21, 6.34 / 6.34 (main 3.38 / 3.79, 3.45 / 3.25, 3.30 / 3.32): the
  -0.3 to -0.45 s of the save is inside this load's scatter. ``bench_e2e.py --buses 10000
  --skip-pgm --skip-pp --skip-8500``, three alternated pairs at load 6-12, the workbook
  stage's CPU: base 6.77 / 6.76 / 6.86 -> 6.77 / 6.33 / 6.36 s (median -0.41 s), 12.0 ->
  12.6 MB; its wall (17-21 s, 9.9 s at load 6) says nothing here.
* identical: the six ``feeders/*/study.yaml``, 3,000 and 10,000 buses: every xlsx part
  byte for byte but ``docProps/core.xml``, every cell (openpyxl read-only, value and number
  format; 293,815 cells at 3k), every PNG, every Parquet table (``pd.read_parquet``).
* where the 10k workbook's ≈ 6.3 s CPU go now (py-spy 250 Hz, and each part wrapped, CPU s
  at load 12): picture worker ≈ 3.0 (57 TCCs ≈ 2.5, ≈ 40 ms each, the feeder plot ≈ 0.6);
  main ≈ 3.3: sheet XML ≈ 0.6 (490,000 cells, 187,000 of them the Evidence's), the six
  Parquet spills ≈ 0.56 (``ParquetWriter.write_table`` half of it: Fault currents 41 MB),
  tables 0.34, pair table 0.32, derive 0.30, bulk summaries 0.22, Summary 0.17, TCC plan
  0.12. In the TCCs, FreeType's hinted glyph loads for texts not drawn before: 349 metric
  layouts (``set_text``, 12,726 characters, ≈ 25 µs a character) 0.32 s and 215 texts drawn
  0.33 s of the 57 TCCs' 2.57 s. Not met: ≤ 3.5 s CPU / ≤ 2 s wall needs the pictures
  roughly halved and the main process's long tail (no part above 0.6 s) cut together.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import pickle
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _result(source: Path, save: Path | None):
    if source.suffix == ".pkl":
        with source.open("rb") as f:
            return pickle.load(f)
    from protv2g import load_study, run_study

    result = run_study(load_study(source), hosting=False)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        with (save / f"{source.parent.name}-{source.stem}.pkl").open("wb") as f:
            pickle.dump(result, f)
    return result


def warm_kernels() -> float:
    """Load the compiled kernel the workbook calls (the staged travel of
    :func:`protv2g.devices.staged.staged_operate_time_s`, which names the pair table's
    elements) as ``protv2g run`` has it loaded by then (its checks' stage table calls it);
    returns the CPU seconds it took. Session 39: in a fresh process reading a pickled result
    the first call loads it from numba's cache, ≈ 0.5 s of CPU that earlier figures of this
    benchmark counted in ``pairs`` and that a ``protv2g run`` does not pay in its workbook."""
    import numpy as np

    from protv2g.devices.staged import staged_operate_time_s

    c = time.process_time()
    staged_operate_time_s(np.ones((2, 1)), np.zeros((2, 1)), np.ones((2, 1)))
    return time.process_time() - c


def time_workbook(result, out: Path, bulk_rows: int | None = None,
                  parallel_pictures: bool | None = None) -> dict[str, float]:
    """Seconds of the workbook and of its parts, MB, peak RSS over the start."""
    import protv2g.report.excel as excel
    import protv2g.report.pictures as pictures

    parts: dict[str, float] = {}
    originals: list[tuple[object, str, object]] = []

    def timed(module: object, name: str, part: str) -> None:
        f = getattr(module, name)
        originals.append((module, name, f))

        @functools.wraps(f)
        def g(*a, **k):
            t, c = time.perf_counter(), time.process_time()
            try:
                return f(*a, **k)
            finally:
                parts[part] = parts.get(part, 0.0) + time.perf_counter() - t
                cpu = f"{part[:-2]}_cpu_s"
                parts[cpu] = parts.get(cpu, 0.0) + time.process_time() - c
        setattr(module, name, g)

    for name, part in (("fault_key_codes", "pairs_s"), ("fault_index", "pairs_s"),
                       ("pair_table", "pairs_s"), ("derive", "derive_s"), ("spill", "spill_s"),
                       ("write_table", "tables_s"),
                       ("write_summary", "tables_s"),
                       ("write_tcc_sheets", "pictures_s"), ("save_workbook_atomic", "save_s")):
        timed(excel, name, part)
    # the pictures this process draws while it waits for the worker (inside "pictures" or
    # "save"; session 39: ≈ 9 TCCs and 0.9 s CPU at 10,000 buses, each ≈ 2.5× the worker's,
    # whose Figure, backgrounds and glyphs are warm)
    timed(pictures, "_drawn_here", "drawn_here_s")
    base = _rss_mb()
    c0 = time.process_time()
    w0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    kwargs: dict[str, object] = {}
    if bulk_rows is not None:
        kwargs["bulk_rows"] = bulk_rows
    if parallel_pictures is not None:
        kwargs["parallel_pictures"] = parallel_pictures
    try:
        excel.write_workbook(result, out, **kwargs)
    finally:  # unwrapped again: a second study's parts are not counted twice
        for module, name, f in originals:
            setattr(module, name, f)
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    w1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the picture worker, joined at the end
    worker = w1.ru_utime + w1.ru_stime - w0.ru_utime - w0.ru_stime
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"workbook_s": total, "cpu_s": cpu, "worker_cpu_s": worker, **parts,
            "mb": out.stat().st_size / 1e6,
            "peak_mb": peak - base, "load": os.getloadavg()[0]}


def time_pictures(result) -> dict[str, float]:
    """CPU seconds of the workbook's pictures alone, as its picture worker draws them: the
    drawing jobs are recorded while the workbook is written with every picture stubbed (a
    2×2 PNG, so nothing is drawn before), then drawn here in the order submitted, each timed
    (``resource.getrusage``, user + sys). Session 40 (pic40): the figures of
    benchmarks/README.md's "pictures" section."""
    import numpy as np

    import protv2g.report.excel as excel
    import protv2g.report.pictures as pictures

    jobs: list[tuple] = []
    submit, drawn_here = pictures.Pictures.submit, pictures._drawn_here

    def record(self, key, draw, /, *args, cache=True, **kwargs):
        jobs.append((draw, args, kwargs))
        return submit(self, key, draw, *args, cache=cache, **kwargs)

    pictures.Pictures.submit = record
    pictures._drawn_here = lambda draw, args, kwargs: (
        pictures.png_rgba(np.full((2, 2, 4), 255, np.uint8)), (1.0, 1.0))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            excel.write_workbook(result, Path(tmp) / "study.xlsx", parallel_pictures=False)
    finally:
        pictures.Pictures.submit, pictures._drawn_here = submit, drawn_here
    pictures._PNG_CACHE.clear()

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    feeder, tccs = 0.0, []
    gc.disable()  # as in the workbook (excel._collection_paused)
    try:
        for draw, args, kwargs in jobs:
            c = cpu()
            pictures.draw_png(draw, *args, **kwargs)
            if draw.__name__ == "plot_feeder":
                feeder += cpu() - c
            else:
                tccs.append(cpu() - c)
    finally:
        gc.enable()
    return {"feeder_cpu_s": feeder, "tccs": len(tccs), "tcc_cpu_s": sum(tccs),
            "tcc_median_ms": 1e3 * float(np.median(tccs)) if tccs else 0.0,
            "tcc_first_ms": 1e3 * tccs[0] if tccs else 0.0, "load": os.getloadavg()[0]}


def _split(r: dict[str, float], unit: str) -> str:
    """Seconds (``_s``) or CPU seconds (``_cpu_s``) per stage, and the rest."""
    stages = ("pairs", "derive", "spill", "tables", "pictures", "save")
    seconds = [r.get(f"{k}{unit}", 0.0) for k in stages]
    rest = r["workbook_s" if unit == "_s" else "cpu_s"] - sum(seconds)
    return ", ".join(f"{k} {v:.2f}" for k, v in zip((*stages, "rest"), (*seconds, rest),
                                                    strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", type=Path,
                    default=[REPO / "feeders" / "depot_two_feeder" / "study.yaml"])
    ap.add_argument("--save-result", type=Path, default=None,
                    help="pickle each computed StudyResult into this folder")
    ap.add_argument("--bulk-rows", type=int, default=None,
                    help="write_workbook's bulk_rows (default: protv2g.report.bulk.BULK_ROWS)")
    ap.add_argument("--pictures", choices=("auto", "serial", "parallel"), default="auto",
                    help="write_workbook's parallel_pictures: None / False / True")
    ap.add_argument("--cold", action="store_true",
                    help="do not load the compiled kernel before the clock (warm_kernels): "
                         "the workbook of a fresh process, not of `protv2g run`")
    ap.add_argument("--findings-first", action="store_true",
                    help="build the findings before the workbook is timed, as `protv2g run` "
                         "does in its findings stage (the workbook reuses them)")
    ap.add_argument("--pictures-alone", action="store_true",
                    help="time the workbook's pictures alone (time_pictures), drawn in order "
                         "in this process, instead of the workbook")
    args = ap.parse_args(argv)
    parallel = {"auto": None, "serial": False, "parallel": True}[args.pictures]
    warnings.simplefilter("ignore")
    if not args.cold:
        print(f"compiled kernel loaded before the clock: {warm_kernels():.2f} s CPU", flush=True)
    for source in args.sources:
        result = _result(source, args.save_result)
        if args.findings_first:
            from protv2g.report.derived import result_findings

            result_findings(result)
        if args.pictures_alone:
            r = time_pictures(result)
            print(f"{source.name}: pictures alone, CPU: feeder plot {r['feeder_cpu_s']:.2f} s, "
                  f"{r['tccs']} TCCs {r['tcc_cpu_s']:.2f} s (median {r['tcc_median_ms']:.1f} "
                  f"ms, first {r['tcc_first_ms']:.0f} ms), total "
                  f"{r['feeder_cpu_s'] + r['tcc_cpu_s']:.2f} s; load {r['load']:.2f}",
                  flush=True)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "study.xlsx"
            r = time_workbook(result, out, args.bulk_rows, parallel)
            files = [p for p in Path(tmp).iterdir() if p.name != out.name]
            beside = [f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(files)]
        print(f"{source.name}: workbook {r['workbook_s']:.2f} s ({_split(r, '_s')}); CPU "
              f"{r['cpu_s']:.2f} s ({_split(r, '_cpu_s')}; pictures drawn in this process "
              f"{r.get('drawn_here_cpu_s', 0.0):.2f}) + picture worker "
              f"{r['worker_cpu_s']:.2f} s; {r['mb']:.2f} MB, peak RSS "
              f"+{r['peak_mb']:.0f} MB, "
              f"load {r['load']:.2f}; {len(result.fault_currents):,} fault rows, "
              f"{len(result.device_faults):,} device rows, {len(result.violations):,} "
              f"violations; beside: {', '.join(beside) or 'nothing'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
