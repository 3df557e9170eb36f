"""CSV and Parquet files of the flat schema: `<table>.csv` or `<table>.parquet` per table.

Parquet files are used where they lie (the engine reads them directly, so a cluster can too).
CSV files are converted to Parquet with every column read as text, so a bad date or a number
written as words reaches the quality step and is counted there, never guessed at by a reader.
A table that is absent is staged empty.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bonewise.population.schema import TABLES, TableName, raw_schema


def flat_tables_in(directory: Path) -> dict[TableName, Path]:
    found: dict[TableName, Path] = {}
    for name in TABLES:
        for suffix in (".parquet", ".csv", ".csv.gz"):
            candidate = directory / f"{name}{suffix}"
            if candidate.is_file():
                found[name] = candidate
                break
    return found


def write_empty(table: TableName, path: Path) -> Path:
    pq.write_table(raw_schema(table).empty_table(), path)
    return path


def csv_to_parquet(source: Path, target: Path) -> int:
    """Stream a CSV into Parquet, every column as text with whitespace trimmed; returns rows."""
    read_options = pacsv.ReadOptions(block_size=16 << 20)
    header = pacsv.open_csv(source, read_options=read_options).schema.names
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=True,
        null_values=[""],
    )
    rows = 0
    with pacsv.open_csv(source, read_options=read_options, convert_options=convert) as reader:
        writer: pq.ParquetWriter | None = None
        try:
            for raw in reader:
                batch = pa.RecordBatch.from_arrays(
                    [pc.utf8_trim_whitespace(column) for column in raw.columns],
                    names=raw.schema.names,
                )
                if writer is None:
                    writer = pq.ParquetWriter(target, batch.schema)
                writer.write_batch(batch)
                rows += batch.num_rows
        finally:
            if writer is None:
                writer = pq.ParquetWriter(target, reader.schema)
            writer.close()
    return rows


def stage_flat(directory: Path, staging: Path) -> dict[TableName, Path]:
    """Paths the engine reads, one per table (Parquet used in place, CSV converted)."""
    found = flat_tables_in(directory)
    staged: dict[TableName, Path] = {}
    for name in TABLES:
        path = found.get(name)
        if path is None:
            staged[name] = write_empty(name, staging / f"{name}.parquet")
        elif path.suffix == ".parquet":
            staged[name] = path
        else:
            staged[name] = staging / f"{name}.parquet"
            csv_to_parquet(path, staged[name])
    return staged
