#!/usr/bin/env python3
"""Checks the dashboard as Chromium rendered it (--dump-dom): the finished computation is shown
as complete (or resultsReady), with its lifecycle and its events, and no failure banner.
Usage: check_dom.py DOM_HTML COMPUTATION_ID EVENTS_JSON"""
import json
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Collects text by element id and the rows of the tables we care about."""

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.attrs, self.rows = [], {}, {}, {}
        self.table = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a.get("id")))
        if a.get("id"):
            self.text.setdefault(a["id"], "")
            self.attrs[a["id"]] = a
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr" and self.table:
            self.row = []
            self.rows.setdefault(self.table, []).append(self.row)
        if tag == "td" and self.row is not None:
            self.row.append("")

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        for _, i in self.stack:
            if i:
                self.text[i] += data
        if self.row is not None and self.row and any(t == "td" for t, _ in self.stack):
            self.row[-1] += data


def main():
    html, cid, events_file = sys.argv[1:]
    d = Dom()
    d.feed(open(html).read())
    want = [e["seq"] for e in json.load(open(events_file))["events"]]
    state = d.text.get("detail-state", "").strip()
    assert d.text.get("detail-id", "").strip() == cid, d.text.get("detail-id")
    assert state in ("complete", "resultsReady"), f"detail state {state!r}"
    assert "hidden" in d.attrs.get("failure", {}), "failure banner shown for a good run"
    timeline = d.text.get("timeline", "")
    assert "running" in timeline and state in timeline, timeline
    rows = [r for r in d.rows.get("comp-events", []) if r]
    seqs = [int(r[0]) for r in rows]
    assert seqs == sorted(want, reverse=True)[: len(seqs)] and len(seqs) == min(50, len(want)), (seqs, want)
    live = [r for r in d.rows.get("events", []) if r]
    assert len(live) >= len(want), f"event stream table has {len(live)} rows"
    comps = [r for r in d.rows.get("computations", []) if r]
    assert comps and comps[0][0] == cid and comps[0][2] == state, comps
    agents = [r for r in d.rows.get("agents", []) if r]
    assert agents and agents[0][0].startswith(cid), agents
    assert "step 3" in d.text.get("logs", ""), d.text.get("logs")
    print(f"dashboard ok: {cid} {state}, {len(seqs)} event rows")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("dashboard check failed:", e, file=sys.stderr)
        sys.exit(1)
