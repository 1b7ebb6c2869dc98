#!/usr/bin/env python3
"""The seed stack's per-event work in Python, as the baseline for `inlet bench`.

For each body: json.loads, the default contract's checks (Id required and not blank;
Name, Age, Sex optional strings), enrichment with an _ingest object, json.dumps compact.
Prints "name<TAB>events_per_second" per case.
"""
import json
import sys
import time


def check(event):
    if not isinstance(event, dict):
        return ["not an object"]
    reasons = []
    ident = event.get("Id")
    if ident is None:
        reasons.append("missing Id")
    elif not isinstance(ident, str) or not ident.strip():
        reasons.append("Id must be a non-blank string")
    for key in ("Name", "Age", "Sex"):
        value = event.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 256):
            reasons.append(key + " must be a string")
    if "_ingest" in event:
        reasons.append("_ingest is reserved")
    return reasons


def process(body, request_id, received_at):
    text = body.decode("utf-8")
    stripped = text.lstrip()
    if "\n" in stripped.rstrip():
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        parsed = json.loads(text)
        events = parsed if isinstance(parsed, list) else [parsed]
    out = []
    for index, event in enumerate(events):
        if check(event):
            continue
        event["_ingest"] = {
            # A cheap deterministic id, so the baseline is not slowed by uuid5's SHA-1.
            "event_id": "%s-%d" % (request_id, index),
            "received_at": received_at,
            "request_id": request_id,
            "source_ip": "127.0.0.1",
            "user_agent": "bench",
            "contract": "inlet:default-contract:v1",
        }
        out.append(json.dumps(event, separators=(",", ":")) + "\n")
    return len(events), "".join(out)


def main():
    args = sys.argv[1:]
    seconds = 2.0
    if args[:1] == ["--seconds"]:
        seconds = float(args[1])
        args = args[2:]
    for spec in args:
        name, path = spec.split("=", 1)
        with open(path, "rb") as f:
            body = f.read()
        events = 0
        start = time.perf_counter()
        while True:
            for _ in range(10):
                n, _ = process(body, "bench-request", "2025-11-27T09:19:01.123Z")
                events += n
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        print("%s\t%.1f" % (name, events / elapsed), flush=True)


if __name__ == "__main__":
    main()
