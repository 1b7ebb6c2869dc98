#!/usr/bin/env python3
"""A bounded soak of `inlet local`: mixed valid, invalid and malformed traffic for a fixed
time, with the server's RSS, open file descriptors and request latency sampled each interval.

    swift build -c release --product inlet
    python3 Benchmarks/soak.py [--minutes 10] [--senders 4] [--interval 30]

Loopback only; it stops by itself. The report has one row per interval and a verdict:
RSS flat (within 10% of the first sample after the warm-up), no file-descriptor growth,
and p99 latency stable (the last interval within 2x the first after warm-up). Exit 1 when
a check fails or a request got an unexpected answer.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


BODIES = [
    # (content type, body, acceptable statuses)
    ("application/json", b'{"Id":"%d","Name":"soak","Age":"30","Sex":"F"}', {200}),
    ("application/x-ndjson", b'{"Id":"%d"}\n{"Id":""}\n{"Id":"x%d"}\n', {207}),
    ("application/json", b'{"Id":"", "Name":"invalid %d"}', {400}),
    ("application/json", b'{"Id":"%d", "Name": "unterminated', {400}),
    ("text/html", b"<p>%d</p>", {415}),
]


class Sender(threading.Thread):
    def __init__(self, port, until, stats, lock):
        super().__init__(daemon=True)
        self.port, self.until, self.stats, self.lock = port, until, stats, lock

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while time.time() < self.until:
            kind = random.choice(BODIES)
            body = kind[1].replace(b"%d", str(n).encode())
            n += 1
            started = time.perf_counter()
            try:
                conn.request("POST", "/events", body=body, headers={"Content-Type": kind[0]})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                status = -1
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.stats["latencies"].append(elapsed)
                self.stats["requests"] += 1
                if status not in kind[2]:
                    self.stats["unexpected"] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inlet", default=os.path.join(TOP, ".build/release/inlet"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--interval", type=float, default=30, help="seconds per sample")
    parser.add_argument("--warmup", type=int, default=1, help="samples to skip before the checks")
    args = parser.parse_args()
    if not os.access(args.inlet, os.X_OK):
        raise SystemExit("%s is not built: swift build -c release --product inlet" % args.inlet)

    data = tempfile.mkdtemp(prefix="inlet-soak-")
    port = free_port()
    server = subprocess.Popen([args.inlet, "local", "--port", str(port), "--data-dir", data, "--buffer-interval", "5"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        until = time.time() + args.minutes * 60
        lock = threading.Lock()
        stats = {"latencies": [], "requests": 0, "unexpected": 0}
        senders = [Sender(port, until, stats, lock) for _ in range(args.senders)]
        for s in senders:
            s.start()
        rows = []
        print("%8s %10s %8s %10s %8s %8s" % ("minute", "requests", "RSS MiB", "open fds", "p50 ms", "p99 ms"))
        while time.time() < until:
            time.sleep(min(args.interval, max(0.1, until - time.time())))
            with lock:
                latencies = sorted(stats["latencies"])
                stats["latencies"] = []
                requests = stats["requests"]
            if not latencies:
                continue
            row = (round((args.minutes * 60 - (until - time.time())) / 60, 1), requests, rss_kib(server.pid) / 1024,
                   fd_count(server.pid), latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)])
            rows.append(row)
            print("%8.1f %10d %8.1f %10d %8.2f %8.2f" % row)
        for s in senders:
            s.join()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)

    checked = rows[args.warmup:] or rows
    base_rss, base_fds, base_p99 = checked[0][2], checked[0][3], checked[0][5]
    rss_ok = all(abs(r[2] - base_rss) <= 0.10 * base_rss for r in checked)
    fds_ok = all(r[3] <= base_fds for r in checked)
    p99_ok = checked[-1][5] <= 2 * max(base_p99, 1.0)
    print(json.dumps({"requests": stats["requests"], "unexpected_answers": stats["unexpected"],
                      "rss_flat_within_10pct": rss_ok, "no_fd_growth": fds_ok, "p99_stable": p99_ok}))
    sys.exit(0 if rss_ok and fds_ok and p99_ok and stats["unexpected"] == 0 else 1)


if __name__ == "__main__":
    main()
