"""Tables longer than an Excel sheet: written whole beside the workbook, never cut silently.

An Excel sheet holds :data:`EXCEL_MAX_ROWS` rows, the header row included. A table that does
not fit is written whole to a file beside the workbook (Parquet when ``pyarrow`` is installed,
else gzip-compressed CSV), and its sheet holds the first rows plus a note naming that file and
the number of rows left out (:func:`protv2g.report.format.write_table`). A bulk evidence table
of the study workbook longer than :data:`protv2g.report.bulk.BULK_ROWS` is written the same
way, and its sheet holds a summary instead (:mod:`protv2g.report.bulk`; ``Overflow.summary``).
The study workbook's Summary lists every such table.

The file is ``<workbook stem>.<sheet>.parquet`` (or ``.csv.gz``) in the workbook's folder,
written atomically (temporary file, then moved into place).

Examples
--------
>>> import pandas as pd
>>> fits_sheet(pd.DataFrame({"a": range(3)}))
True
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from protv2g.engine.collect import release_freed_memory
from protv2g.messages import MessageArray, is_messages
from protv2g.report.atomic import atomic_target

__all__ = ["EXCEL_MAX_ROWS", "Overflow", "fits_sheet", "rows_shown", "spill", "spill_if_too_long",
           "overflow_note"]

#: Rows in one Excel worksheet, header row included (Excel 2007 and later; Microsoft,
#: "Excel specifications and limits": 1,048,576 rows by 16,384 columns). A module constant so
#: that tests can patch a small limit.
EXCEL_MAX_ROWS = 1_048_576

SpillFormat = Literal["parquet", "csv.gz"]


@dataclass(frozen=True)
class Overflow:
    """A table written whole beside the workbook: its sheet cannot hold it (the sheet shows its
    first ``n_shown`` rows), or it is a bulk table whose sheet shows ``n_shown`` summary rows
    (``summary`` says which, :mod:`protv2g.report.bulk`)."""

    sheet: str
    path: Path
    format: SpillFormat
    n_rows: int
    n_shown: int
    summary: str | None = None

    @property
    def n_left_out(self) -> int:
        """Rows of the table not in the sheet."""
        return self.n_rows - self.n_shown


def rows_shown() -> int:
    """Data rows a sheet shows of a table that does not fit: the header row and one note row
    take two of :data:`EXCEL_MAX_ROWS`."""
    return EXCEL_MAX_ROWS - 2


def fits_sheet(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` (plus its header row) fits in one sheet."""
    return len(frame) + 1 <= EXCEL_MAX_ROWS


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "table"


def _parquet_available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


#: Rows converted to Arrow and written as one Parquet row group at a time (#21). The whole
#: table converted at once (``DataFrame.to_parquet``) held an Arrow copy of every column beside
#: the frame, and pyarrow's memory pool kept it after the write: the 10,000-bus study's
#: Evidence (272,244 rows × 38 columns) took +220 MiB RSS at its peak and kept +174 MiB; in
#: chunks of 32,768 rows, each chunk's memory handed back to the system after it is written,
#: +97 / +54 MiB (of which 36 MiB are the UTF-8 copies CPython keeps of the non-ASCII message
#: texts once pyarrow has read them). 16,384 rows: +82 / +55 MiB, 65,536: +115 / +56 MiB.
PARQUET_CHUNK_ROWS = 32_768

#: Rows of a lazily written text column (:class:`~protv2g.messages.MessageArray`) rendered
#: and converted to Arrow at a time within a chunk (#21: the 10,000-bus Evidence's 32,768
#: messages of a chunk as Python strings, two bytes a character and the UTF-8 copy pyarrow
#: makes of each, were ≈ 25 MiB at once beside their 9.6 MiB of Arrow); a multiple of the
#: writer's 1,024-row batches.
TEXT_BATCH_ROWS = 4_096


def _pool():
    """The memory pool the spills convert and write with: pyarrow's system allocator
    (``malloc``), whose freed blocks go back to the system as the rest of the process's do.
    pyarrow's default pool (mimalloc) held ≈ 2× the Arrow bytes of each chunk in RSS (#21,
    10,000 buses: a chunk of the Evidence +57 MiB RSS for 15.5 MiB allocated, +25 MiB with
    the system pool); the bytes written are the same whatever the pool."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _arrow_schema(frame: pd.DataFrame, as_text: bool = False):
    """``pyarrow.Schema.from_pandas(frame, preserve_index=False)`` (types and ``pandas``
    metadata), an object column's type inferred from its cells (``pyarrow.infer_type``, as
    ``pyarrow.array`` infers it) without converting the column: ``from_pandas`` converted every
    object column whole to learn its type (the Evidence's 23: +166 MiB RSS kept).
    ``as_text``: a categorical column of ``str`` categories (:func:`_text_categories`) typed
    as the object column of its values is (a string column)."""
    import pyarrow as pa

    head = frame.iloc[:0]
    texts = [c for c, column in frame.items()
             if as_text and _text_categories(column) is not None]
    lazy = [c for c, column in frame.items() if is_messages(column)]
    if texts or lazy:  # written as the object column of its values (#21: the fault tables'
        # keys; the messages, :class:`~protv2g.messages.MessageArray`)
        head = head.astype(dict.fromkeys([*texts, *lazy], object))
    fields = [field.with_type(pa.string()) if name in texts
              else field.with_type(pa.infer_type(column.array.type_sample(), from_pandas=True))
              if name in lazy
              else field.with_type(pa.infer_type(column.to_numpy(), from_pandas=True))
              if column.dtype == object else field
              for field, (name, column) in zip(pa.Schema.from_pandas(head, preserve_index=False),
                                               frame.items(), strict=True)]
    # the pandas metadata as pyarrow writes it for these types
    return pa.Table.from_pandas(head, schema=pa.schema(fields), preserve_index=False).schema


def _write_parquet(frame: pd.DataFrame, path: str, as_text: bool = False) -> None:
    """``frame.to_parquet(path, index=False, engine="pyarrow")`` (snappy, the schema and
    ``pandas`` metadata of the whole frame, ``PANDAS_ATTRS`` when ``frame.attrs``; dictionary
    encoding for every column but the floating-point ones), written
    :data:`PARQUET_CHUNK_ROWS` rows at a time from slices of the frame's columns on this
    thread, the pool's unused memory released after each (``MemoryPool.release_unused``): the
    same table read back (schema and metadata included), in row groups of that size.
    ``as_text``: a categorical column of ``str`` categories written as the object column of
    its values (the spills, #21: the fault tables' key columns read back as the texts they
    were before they were categoricals; the same file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(frame, as_text)
    if frame.attrs:
        schema = schema.with_metadata({**(schema.metadata or {}),
                                       b"PANDAS_ATTRS": json.dumps(frame.attrs).encode()})
    # dictionary pages for the columns that repeat values (text, integers, booleans), not for
    # the floats: a float column of distinct values (fault currents, margins) was tried
    # against a dictionary, given up at its size limit and written plain, for nothing (#21,
    # 10,000 buses: the five spills' ``write_table`` 0.99 -> 0.68 s CPU, Fault currents
    # 48.3 -> 41.1 MB; the same tables read back)
    chunks = _chunks(frame, schema)
    first = next(chunks)
    # nor for a text column whose first chunk is mostly distinct values (the Evidence's ids
    # and messages): its dictionary would be given up at its size limit too (#21, 10,000
    # buses: the Evidence's write_table 0.20 -> 0.17 s CPU, 13.6 -> 13.0 MB; the same table)
    dictionary = [f.name for k, f in enumerate(schema) if not pa.types.is_floating(f.type)
                  and not (pa.types.is_string(f.type)
                           and 2 * _distinct(first.column(k)) > first.num_rows)]
    with pq.ParquetWriter(path, schema, compression="snappy", use_dictionary=dictionary,
                          memory_pool=_pool()) as writer:
        writer.write_table(first)
        del first
        _release()
        for chunk in chunks:
            writer.write_table(chunk)
            del chunk
            _release()


def _release() -> None:
    """Hand back what a chunk took and freed: pyarrow's default pool's unused memory and
    the C heap's (glibc ``malloc_trim``, :func:`~protv2g.engine.collect.release_freed_memory`:
    the chunk's Arrow buffers in the system pool, :func:`_pool`, and the texts rendered for
    it). The system pool's freed blocks otherwise stayed in the heap between chunks."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    release_freed_memory()


def _distinct(column) -> int:
    """``pyarrow.compute.count_distinct(column)`` (distinct non-null values) as the length of
    ``pyarrow.compute.unique``, less the null: #21, the 10,000-bus Evidence's first 32,768
    messages 126 -> 5 ms (``count_distinct``'s hash aggregate on long texts)."""
    import pyarrow.compute as pc

    return len(pc.unique(column, memory_pool=_pool())) - (1 if column.null_count else 0)


def _chunks(frame: pd.DataFrame, schema) -> Iterator:
    """``pyarrow.Table.from_pandas`` of each :data:`PARQUET_CHUNK_ROWS` rows of ``frame``
    with ``schema`` (at least one, empty for an empty frame). A frame of unique column names
    and NumPy bool, integer, float and object columns is converted column by column
    (``pyarrow.array(…, from_pandas=True)``, as ``from_pandas`` converts each), without
    pandas' per-chunk conversion plan: #21, the 10,000-bus study's Evidence 0.62 -> 0.52 s
    CPU (first conversion), 0.55 -> 0.29 s (again); the same tables."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    direct = frame.columns.is_unique and all(
        isinstance(c.dtype, np.dtype) and c.dtype.kind in "biufO" or is_messages(c)
        or pa.types.is_string(f.type) and _text_categories(c) is not None
        or _dictionary(c, f.type) is not None for c, f in zip(columns, schema, strict=True))
    values = ([_category_text(c) if pa.types.is_string(f.type) and _text_categories(c) is not None
               else c.array if is_messages(c)  # written RENDER_ROWS at a time
               else _dictionary(c, f.type) if isinstance(c.dtype, pd.CategoricalDtype)
               else _repeated_text(c.to_numpy(), f.type)
               for c, f in zip(columns, schema, strict=True)] if direct else None)
    pool = _pool()
    for start in range(0, max(len(frame), 1), PARQUET_CHUNK_ROWS):
        stop = start + PARQUET_CHUNK_ROWS
        if values is None:
            yield pa.Table.from_pandas(frame.iloc[start:stop], schema=schema,
                                       preserve_index=False, nthreads=1)
        else:
            yield pa.Table.from_arrays(
                [pa.DictionaryArray.from_arrays(pa.array(v[1][start:stop], memory_pool=pool),
                                                v[2], memory_pool=pool)
                 if isinstance(v, tuple) and len(v) == 3  # a categorical (_dictionary)
                 else pc.take(v[1], pa.array(v[0][start:stop], memory_pool=pool),
                              memory_pool=pool) if isinstance(v, tuple)
                 else _text_array(v, start, stop, f.type)
                 if isinstance(v, MessageArray)
                 else pa.array(v[start:stop], type=f.type, from_pandas=True, memory_pool=pool)
                 for v, f in zip(values, schema, strict=True)], schema=schema)


def _text_array(messages: MessageArray, start: int, stop: int, kind):
    """Rows ``start:stop`` of a lazily written text column as one Arrow array of ``kind``
    (``pyarrow.array(messages[start:stop].texts(), type=kind, from_pandas=True)``), its
    texts rendered and converted :data:`TEXT_BATCH_ROWS` rows at a time: the same array."""
    import pyarrow as pa

    pool = _pool()
    stop = min(stop, len(messages))
    parts = [pa.array(messages[a:min(a + TEXT_BATCH_ROWS, stop)].texts(), type=kind,
                      from_pandas=True, memory_pool=pool)
             for a in range(start, max(stop, start + 1), TEXT_BATCH_ROWS)]
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts, memory_pool=pool)


def _text_categories(column: pd.Series) -> np.ndarray | None:
    """The categories of a categorical column of ``str`` categories and no missing value (the
    fault tables' key columns, :mod:`protv2g.engine.key_columns`), else None."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return None
    cats = np.asarray(column.cat.categories, dtype=object)
    if not all(type(x) is str for x in cats.tolist()) or (column.cat.codes.to_numpy() < 0).any():
        return None
    return cats


def _category_text(column: pd.Series) -> tuple:
    """A categorical column of ``str`` categories as :func:`_repeated_text`'s (codes, Arrow
    array of its texts): a string column, as the object column of its values is written."""
    import pyarrow as pa

    return (column.cat.codes.to_numpy(),  # the categorical's own (int8/int16): no copy
            pa.array(_text_categories(column), type=pa.string()))


def _dictionary(column: pd.Series, kind) -> tuple | None:
    """A categorical column of ``str`` categories and no missing value (the fault tables' key
    columns, :mod:`protv2g.engine.key_columns`) whose Arrow type ``kind`` is a dictionary of
    strings, as ``("dictionary", codes, Arrow array of its categories)``: each chunk a
    ``DictionaryArray`` of its codes, as ``Table.from_pandas`` converts it (#21: the
    per-chunk ``from_pandas`` of the whole frame otherwise); None for another column."""
    import pyarrow as pa

    if not isinstance(column.dtype, pd.CategoricalDtype) or not (
            pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)
            and pa.types.is_integer(kind.index_type)):
        return None
    cats = np.asarray(column.cat.categories, dtype=object)
    codes = column.cat.codes.to_numpy()
    if not all(type(x) is str for x in cats.tolist()) or (codes < 0).any() or \
            np.dtype(kind.index_type.to_pandas_dtype()) != codes.dtype:
        return None
    return "dictionary", codes, pa.array(cats, type=kind.value_type)


def _repeated_text(values: np.ndarray, kind) -> np.ndarray | tuple:
    """An object column of plain ``str`` cells that repeat (at most a quarter distinct) as
    (codes, Arrow array of its distinct texts), converted per chunk by ``take``: each text
    converted once, not each cell (#21, 10,000 buses: the Evidence's ≈ 20 such columns, 15-25
    ms each by ``pyarrow.array``, and no UTF-8 copy kept per cell); the same values. Any other
    column as it is."""
    import pyarrow as pa

    if values.dtype != object or not pa.types.is_string(kind) or len(values) < 1024 or (
            4 * len(pd.unique(values[:1024])) > 1024):  # mostly distinct at the top: as is
        return values
    codes, distinct = pd.factorize(values)
    if 4 * len(distinct) > len(values) or codes.min() < 0 or not all(
            type(x) is str for x in distinct.tolist()):
        return values
    # in the smallest type that holds them (#21: int32 codes of the Evidence's ≈ 20 such
    # columns were 22 MiB held through its spill; int8 a quarter of that)
    return (codes.astype(np.min_scalar_type(max(len(distinct) - 1, 0))),
            pa.array(distinct, type=kind))


def _write_atomic(frame: pd.DataFrame, target: Path, fmt: SpillFormat) -> None:
    with atomic_target(target) as tmp:
        if fmt == "parquet":
            _write_parquet(frame, tmp, as_text=True)
        elif fmt == "csv.gz":
            frame.to_csv(tmp, index=False, compression="gzip")
        else:  # pragma: no cover - SpillFormat literals above
            raise ValueError(f"unknown spill format {fmt!r}")


def spill_if_too_long(frame: pd.DataFrame, workbook: Path, sheet: str) -> Overflow | None:
    """Write ``frame`` whole beside ``workbook`` when it does not fit in one sheet.

    Parameters
    ----------
    frame : DataFrame
        The sheet's table (columns carry units in their names).
    workbook : Path
        The ``.xlsx`` being written; the table goes into its folder.
    sheet : str
        The sheet's title (part of the file name).

    Returns
    -------
    Overflow or None
        None when the table fits (nothing is written).

    Raises
    ------
    OSError
        When the file cannot be written.

    Notes
    -----
    Parquet (``pyarrow``) keeps dtypes; a table Parquet cannot store (e.g. a column mixing
    numbers and text) and every table when ``pyarrow`` is absent go to CSV (gzip). The
    :class:`Overflow` says which format was written.
    """
    if fits_sheet(frame):
        return None
    return spill(frame, workbook, sheet, min(len(frame), rows_shown()))


def spill(frame: pd.DataFrame, workbook: Path, sheet: str, n_shown: int,
          summary: str | None = None) -> Overflow:
    """Write ``frame`` whole beside ``workbook`` (as :func:`spill_if_too_long`, whatever its
    length); ``n_shown`` and ``summary`` say what its sheet holds (:class:`Overflow`)."""
    workbook = Path(workbook)
    stem = workbook.parent / f"{workbook.stem}.{_slug(sheet)}"
    fmt: SpillFormat = "csv.gz"
    if _parquet_available():
        import pyarrow as pa

        try:
            _write_atomic(frame, stem.with_name(stem.name + ".parquet"), "parquet")
            fmt = "parquet"
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError,
                TypeError):
            fmt = "csv.gz"
    if fmt == "csv.gz":
        _write_atomic(frame, stem.with_name(stem.name + ".csv.gz"), "csv.gz")
    path = stem.with_name(f"{stem.name}.{fmt}")
    return Overflow(sheet, path, fmt, len(frame), n_shown, summary)


def overflow_note(overflow: Overflow) -> str:
    """The note a sheet carries when its table is written beside the workbook."""
    kind = "Parquet" if overflow.format == "parquet" else "CSV, gzip-compressed"
    if overflow.summary is not None:
        return (f"this sheet shows {overflow.n_shown:,} of the table's {overflow.n_rows:,} rows "
                f"({overflow.summary}); the whole table is in {overflow.path.name} ({kind}) "
                "beside this workbook")
    return (f"{overflow.n_left_out:,} of {overflow.n_rows:,} rows are NOT in this sheet "
            f"(an Excel sheet holds {EXCEL_MAX_ROWS:,} rows): the whole table is in "
            f"{overflow.path.name} ({kind}) beside this workbook")
