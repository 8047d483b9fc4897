#!/usr/bin/env python3
"""Parses the manager's /metrics (Prometheus text exposition format 0.0.4) strictly and checks
the values after one finished computation. Usage: parse_metrics.py METRICS_FILE EVENTS_JSON"""
import json
import re
import sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.e+\-]+|\+Inf|NaN)$')
LABEL = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$')


def parse(text):
    samples, types = {}, {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            assert typ in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"line {n}: TYPE twice for {name}"
            types[name] = typ
            continue
        assert not line.startswith("#"), f"line {n}: stray comment {line!r}"
        m = LINE.match(line)
        assert m, f"line {n}: not a sample: {line!r}"
        labels = ()
        if m.group(3):
            pairs = []
            for part in m.group(3).split(","):
                lm = LABEL.match(part)
                assert lm, f"line {n}: bad label {part!r}"
                pairs.append((lm.group(1), lm.group(2)))
            labels = tuple(sorted(pairs))
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or family in types, f"line {n}: {name} has no TYPE"
        key = (name, labels)
        assert key not in samples, f"line {n}: duplicate sample {key}"
        samples[key] = float(m.group(4))
    return samples, types


def main():
    samples, types = parse(open(sys.argv[1]).read())
    events = json.load(open(sys.argv[2]))["events"]
    get = lambda name, **l: samples.get((name, tuple(sorted(l.items()))))
    assert get("cocos_manager_agents_connected") == 1, get("cocos_manager_agents_connected")
    done = (get("cocos_manager_computations", state="complete") or 0) + (
        get("cocos_manager_computations", state="resultsReady") or 0)
    assert done == 1, "computations by state"
    assert get("cocos_manager_computations", state="failed") == 0
    assert get("cocos_manager_upload_bytes_total") > 6, "upload bytes (algorithm + 6-byte dataset)"
    assert get("cocos_manager_result_bytes_total") > 0, "result bytes"
    received = get("cocos_manager_events_received_total")
    acked = get("cocos_manager_events_acknowledged_total")
    assert received >= len(events) and acked >= len(events) and acked <= received, (received, acked)
    assert types["cocos_manager_event_delivery_lag_seconds"] == "histogram"
    count = get("cocos_manager_event_delivery_lag_seconds_count")
    assert count >= len(events), count
    assert get("cocos_manager_event_delivery_lag_seconds_bucket", le="+Inf") == count
    buckets = sorted((float(dict(l)["le"]), v) for (n, l), v in samples.items()
                     if n == "cocos_manager_event_delivery_lag_seconds_bucket" and dict(l)["le"] != "+Inf")
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets not cumulative"
    # The test made requests that failed on purpose (404, 400): counted by code.
    assert get("cocos_manager_http_request_errors_total", code="404") >= 3
    assert get("cocos_manager_http_request_errors_total", code="400") >= 1
    assert get("cocos_manager_http_requests_total", code="200") >= 5
    print(f"metrics ok: {len(samples)} samples, {len(types)} families")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("metrics check failed:", e, file=sys.stderr)
        sys.exit(1)
