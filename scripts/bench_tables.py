"""Shared loading code for the Python benchmark scripts (sdmetrics_report, rule_adherence,
text_realism): read a dxsynth schema and the CSV tables of a real or synthetic folder.

Why a separate module: the three scripts must read tables, keys and column types the same way,
so that a figure in one can be compared with a figure in another.
"""

import os
import re

import pandas as pd
import yaml

BOOLEAN_WORDS = {"true", "false", "t", "f", "yes", "no", "y", "n"}
# Formats tried, in order, on string columns; the first one that parses every non-empty value
# wins. They are the formats dxsynth itself recognises (README, "Recognised datetime formats").
DATETIME_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
]
LEADING_ZERO = re.compile(r"^-?0\d")


def load_schema(path):
    """The schema as a dict: {'dir': folder of the schema, 'tables': {name: table dict}}."""
    with open(path) as f:
        schema = yaml.safe_load(f)
    schema["dir"] = os.path.dirname(os.path.abspath(path))
    for table in schema["tables"].values():
        table.setdefault("foreign_keys", {})
        table.setdefault("columns", {})
    return schema


def key_columns(table):
    """Primary and foreign key columns of a schema table."""
    keys = set(table.get("foreign_keys", {}) or {})
    if table.get("primary_key"):
        keys.add(table["primary_key"])
    return keys


def read_table(folder, name, table=None, real=True):
    """Read a table as strings (empty fields -> NaN), so keys compare as text on both sides.

    Real tables are read from the path the schema gives; synthetic ones from <name>.csv.
    """
    if real and table is not None:
        path = os.path.join(folder, table["path"])
    else:
        path = os.path.join(folder, f"{name}.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def read_tables(schema, folder=None):
    """All tables of a schema: the real ones (folder None) or the synthetic ones in `folder`."""
    tables = {}
    for name, table in schema["tables"].items():
        if folder is None:
            tables[name] = read_table(schema["dir"], name, table, real=True)
        else:
            tables[name] = read_table(folder, name, real=False)
    return tables


def datetime_format(values):
    """The first known format that parses every value, or None."""
    sample = values.iloc[:2000]
    for fmt in DATETIME_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().all():
            parsed_all = pd.to_datetime(values, format=fmt, errors="coerce")
            if parsed_all.notna().all():
                return fmt
    return None


def infer_type(values, override=None, unique_share=0.95, min_rows_for_id=20):
    """dxsynth-like column type of a string series: (type, datetime format or None).

    Types: numerical, datetime, boolean, categorical, id (unique per row), text (free text),
    empty (no value). A schema `columns:` override wins.
    """
    if override is not None:
        if isinstance(override, dict):
            return override.get("type"), override.get("format")
        return override, None
    values = values.dropna()
    if len(values) == 0:
        return "empty", None
    distinct = values.nunique()
    lowered = set(values.str.strip().str.lower().unique())
    if distinct <= 2 and lowered <= BOOLEAN_WORDS:
        return "boolean", None
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all() and not values.str.match(LEADING_ZERO).any():
        return "numerical", None
    fmt = datetime_format(values)
    if fmt is not None:
        return "datetime", fmt
    if len(values) >= min_rows_for_id and distinct >= unique_share * len(values):
        words = values.str.split().str.len().mean()
        return ("text" if words >= 3 else "id"), None
    words = values.str.split().str.len().mean()
    if words >= 3 and distinct >= 0.5 * len(values):
        return "text", None
    return "categorical", None


def convert(values, kind, fmt=None):
    """A string series converted to the pandas type of a column type (unparsable -> NaN)."""
    if kind == "numerical":
        return pd.to_numeric(values, errors="coerce")
    if kind == "datetime":
        return pd.to_datetime(values, format=fmt, errors="coerce")
    if kind == "boolean":
        truth = {"true": True, "t": True, "yes": True, "y": True,
                 "false": False, "f": False, "no": False, "n": False}
        return values.str.strip().str.lower().map(truth).astype("object")
    return values
