#!/usr/bin/env python3
"""Sample computation for the cocos-cpp demo: statistics over every CSV dataset.

Reads each *.csv in $DATASETS_DIR (default ./datasets), and for every numeric column computes
count, mean, min, max and standard deviation, per dataset and over all datasets combined.
Writes $RESULTS_DIR/stats.json (default ./results). Uses only the standard library, so it runs
in a fresh venv with no network. Exits 1 when there is no dataset or no numeric column.
"""
import csv
import json
import math
import os
import sys


def numeric_columns(rows, header):
    cols = {}
    for name in header:
        values = []
        for row in rows:
            try:
                values.append(float(row[name]))
            except (TypeError, ValueError):
                break
        else:
            if values:
                cols[name] = values
    return cols


def summarize(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / n
    return {
        "count": n,
        "mean": round(mean, 4),
        "min": min(values),
        "max": max(values),
        "stddev": round(math.sqrt(var), 4),
    }


def main():
    data_dir = os.environ.get("DATASETS_DIR", "datasets")
    results_dir = os.environ.get("RESULTS_DIR", "results")
    files = sorted(f for f in os.listdir(data_dir) if f.endswith(".csv"))
    if not files:
        print(f"no CSV dataset in {data_dir}", file=sys.stderr)
        return 1
    per_dataset = {}
    combined = {}
    for name in files:
        with open(os.path.join(data_dir, name), newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            cols = numeric_columns(rows, reader.fieldnames or [])
        print(f"{name}: {len(rows)} rows, numeric columns: {', '.join(cols) or 'none'}")
        per_dataset[name] = {c: summarize(v) for c, v in cols.items()}
        for c, v in cols.items():
            combined.setdefault(c, []).extend(v)
    if not combined:
        print("no numeric column in any dataset", file=sys.stderr)
        return 1
    result = {
        "datasets": files,
        "per_dataset": per_dataset,
        "combined": {c: summarize(v) for c, v in sorted(combined.items())},
    }
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, "stats.json"), "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.join(results_dir, 'stats.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
