#!/usr/bin/env python3
"""HTTP throughput of `inlet local`'s gateway, against nginx and the Python seed stack, in one run.

    python3 Benchmarks/gateway_bench.py [--inlet .build/release/inlet] [--seconds 10] [--connections 32] [--rounds 3]
                                        [--nio-ceiling .build/release/inlet-nio-ceiling]

Each server is pinned to CPU 0 and wrk to CPU 1 (taskset), one server at a time:

- nginx: 1 worker answering a static 200 (the ceiling of a loopback HTTP server here);
- python-seed: the seed stack's shape, http.server.ThreadingHTTPServer doing the seed's
  per-event work (json.loads, the default contract's checks, enrichment, json.dumps; see
  python_baseline.py) and appending the records to a file (TCP_NODELAY, so no delayed-ACK stall);
- nio-ceiling: `inlet-nio-ceiling`, a bare SwiftNIO HTTP/1.1 server answering a fixed 200 on
  one event loop (no router, task or work): the most any server on SwiftNIO, Hummingbird
  included, can answer here. Measured when built (swift build -c release --product
  inlet-nio-ceiling);
- inlet: `inlet local` with the ingest function in process: validation, enrichment,
  PutRecordBatch into the Firehose emulator's write-ahead buffer (fsynced, group-committed)
  before the 200. Firehose delivers 64 MiB objects to the S3 emulator (MD5, fsync) and the
  local Snowpipe loads them into SQLite, all on the same core;
- inlet-paused (NDJSON only): the same, with the local Snowpipe paused (`inlet pipe pause`
  before the start): the gateway into the durable buffers and Firehose's delivery to S3,
  without the warehouse's load, which the target does not cover.

Cases: one 300-byte event per POST (req/s, p50, p99), and NDJSON batches of 1,000 such
events per POST (MB/s of request bodies). Ratios are against nginx and the Python seed in
the same run. Needs wrk, nginx and taskset (Debian: wrk nginx-light util-linux).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

EVENT = b'{"Id":"%07d","Name":"John Smith","Age":"42","Sex":"Male","Email":"john.smith@example.com","Plan":"pro","Country":"GB","Tags":["a","b","c"],"Note":"benchmark event padding to about three hundred bytes of JSON text in total, the size the targets name for one event................................."}'


def event(i):
    return EVENT % i


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nothing listens on 127.0.0.1:%d after %ds" % (port, seconds))


def lua_script(directory, path, body, content_type):
    body_path = os.path.join(directory, "body-%d.bin" % len(body))
    with open(body_path, "wb") as f:
        f.write(body)
    script = os.path.join(directory, "post-%d.lua" % len(body))
    with open(script, "w") as f:
        f.write(
            'local f = io.open("%s", "rb")\nlocal body = f:read("*a")\nf:close()\n'
            'wrk.method = "POST"\nwrk.body = body\nwrk.path = "%s"\n'
            'wrk.headers["Content-Type"] = "%s"\n' % (body_path, path, content_type)
        )
    return script


def wrk(url, script, seconds, connections):
    command = ["taskset", "-c", "1", "wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", script, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(label):
        m = re.search(r"\s%s\s+([\d.]+)(us|ms|s)\b" % label, out)
        if not m:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": latency("50%"), "p99": latency("99%"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "errors": errors.group(0) if errors else ""}


class Server:
    def __init__(self, command, port, cwd=None, env=None):
        self.port = port
        self.process = subprocess.Popen(["taskset", "-c", "0"] + command, cwd=cwd, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(port)

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_nginx(directory):
    port = free_port()
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as f:
        f.write("worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log stderr error;\n"
                "events { worker_connections 1024; }\n"
                "http { access_log off; client_body_temp_path %s; client_max_body_size 20m;\n"
                "  server { listen 127.0.0.1:%d; location / { client_body_buffer_size 2m; return 200 'ok'; } } }\n"
                % (directory, directory, port))
    return Server(["nginx", "-c", conf, "-p", directory], port)


PYTHON_SEED = r'''
import os, sys, uuid, datetime, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
sys.path.insert(0, sys.argv[3])
from python_baseline import process
out = open(sys.argv[2], "ab")
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the handler writes the head and the body separately, and without it each
    # response's body waits for the client's delayed ACK (40 ms), which would cap the seed at
    # about 25 requests/s per connection and make it look several times slower than it is.
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        count, records = process(body, str(uuid.uuid4()), now)
        data = records.encode()
        with lock:
            out.write(data)
        answer = b'{"events":%d,"accepted":%d}' % (count, records.count("\n"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def start_python(directory):
    port = free_port()
    script = os.path.join(directory, "seed_server.py")
    with open(script, "w") as f:
        f.write(PYTHON_SEED)
    return Server([sys.executable, script, str(port), os.path.join(directory, "seed-records.ndjson"), HERE], port)


def start_inlet(binary, directory, pipe_paused=False):
    port = free_port()
    data = tempfile.mkdtemp(prefix="inlet-data-", dir=directory)
    if pipe_paused:
        # ALTER PIPE ... SET PIPE_EXECUTION_PAUSED = TRUE before the start: delivered objects
        # queue in the stage instead of loading into the SQLite warehouse on the same core.
        subprocess.run([binary, "pipe", "pause", "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
    return Server([binary, "local", "--port", str(port), "--data-dir", data, "--buffer-interval", "60",
                   "--buffer-size", "64"], port)


def start_nio_ceiling(binary):
    port = free_port()
    return Server([binary, str(port)], port)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inlet", default=os.path.join(TOP, ".build/release/inlet"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batch", type=int, default=1000, help="events per NDJSON request")
    parser.add_argument("--nio-ceiling", default=os.path.join(TOP, ".build/release/inlet-nio-ceiling"),
                        help="the bare SwiftNIO baseline; skipped when not built")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of all the servers, one after the other; ratios are taken per round, "
                             "then the median is reported (a shared machine drifts between runs)")
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            raise SystemExit("%s is not installed (apt-get install wrk nginx-light util-linux)" % tool)
    if not os.access(args.inlet, os.X_OK):
        raise SystemExit("%s is not built: swift build -c release --product inlet" % args.inlet)

    single = event(1)
    batch = b"".join(event(i) + b"\n" for i in range(args.batch))
    names = ("nginx", "python-seed", "inlet", "inlet-paused")
    if os.access(args.nio_ceiling, os.X_OK):
        names = ("nginx", "nio-ceiling", "python-seed", "inlet", "inlet-paused")
    else:
        print("(%s is not built: no SwiftNIO baseline this run)" % args.nio_ceiling)
    rounds = []
    with tempfile.TemporaryDirectory(prefix="inlet-gateway-bench-") as directory:
        one = lua_script(directory, "/events", single, "application/json")
        many = lua_script(directory, "/events", batch, "application/x-ndjson")
        starters = {"nginx": lambda: start_nginx(directory), "python-seed": lambda: start_python(directory),
                    "inlet": lambda: start_inlet(args.inlet, directory),
                    "inlet-paused": lambda: start_inlet(args.inlet, directory, pipe_paused=True),
                    "nio-ceiling": lambda: start_nio_ceiling(args.nio_ceiling)}
        for _ in range(max(1, args.rounds)):
            results = {}
            for name in names:
                server = starters[name]()
                try:
                    url = "http://127.0.0.1:%d" % server.port
                    # A short warm-up, then the measured runs.
                    wrk(url, one, 2, args.connections)
                    if name != "inlet-paused":
                        results[(name, "single")] = wrk(url, one, args.seconds, args.connections)
                    # Fewer connections for 1 MB bodies: the server's core is the limit, not the queue.
                    results[(name, "ndjson")] = wrk(url, many, args.seconds, min(args.connections, 8))
                finally:
                    server.stop()
            rounds.append(results)

    def median(values):
        values = sorted(values)
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    print("%-12s %12s %9s %9s %12s %8s   (medians of %d rounds)" % (
        "server", "single req/s", "p50 ms", "p99 ms", "NDJSON MB/s", "non-2xx", len(rounds)))
    for name in names:
        singles = [r[(name, "single")] for r in rounds if (name, "single") in r]
        batches = [r[(name, "ndjson")] for r in rounds]
        errors = " ".join(sorted({x["errors"] for x in singles + batches if x["errors"]}))
        if singles:
            single_text = "%12.0f %9.2f %9.2f" % (median([x["rps"] for x in singles]),
                                                  median([x["p50"] for x in singles]), median([x["p99"] for x in singles]))
        else:
            single_text = "%12s %9s %9s" % ("-", "-", "-")
        print("%-12s %s %12.1f %8d %s" % (
            name, single_text, median([x["rps"] * len(batch) / 1e6 for x in batches]),
            sum(x["non2xx"] for x in singles + batches), errors))
    per_round = [(r[("inlet", "single")]["rps"] / r[("nginx", "single")]["rps"],
                  r[("inlet", "single")]["rps"] / r[("python-seed", "single")]["rps"]) for r in rounds]
    def ndjson(round_results, name):
        return round_results[(name, "ndjson")]["rps"] * len(batch) / 1e6

    for k, (to_nginx, to_seed) in enumerate(per_round):
        print("round %d: inlet single-event %.0f req/s = %.2fx nginx, %.1fx the Python seed; NDJSON %.1f MB/s, "
              "%.1f MB/s with the pipe paused" % (
                  k + 1, rounds[k][("inlet", "single")]["rps"], to_nginx, to_seed, ndjson(rounds[k], "inlet"),
                  ndjson(rounds[k], "inlet-paused")))
    if "nio-ceiling" in names:
        ceiling = [(r[("nio-ceiling", "single")]["rps"] / r[("nginx", "single")]["rps"],
                    r[("nio-ceiling", "single")]["rps"] / r[("python-seed", "single")]["rps"],
                    r[("inlet", "single")]["rps"] / r[("nio-ceiling", "single")]["rps"]) for r in rounds]
        print("bare SwiftNIO (no work): %.2fx nginx and %.1fx the Python seed; inlet is %.2fx of it "
              "(medians of the rounds' ratios)" % tuple(median([x[k] for x in ceiling]) for k in range(3)))
    print("single-event: inlet is %.2fx nginx and %.1fx the Python seed (median of the rounds' ratios); "
          "NDJSON %.0f events/s per request stream"
          % (median([x[0] for x in per_round]), median([x[1] for x in per_round]),
             median([r[("inlet", "ndjson")]["rps"] for r in rounds]) * args.batch))
    print("NDJSON into the durable buffers and S3, the local Snowpipe paused: %.1f MB/s (median; rounds %s); "
          "with the Snowpipe loading SQLite on the same core: %.1f MB/s"
          % (median([ndjson(r, "inlet-paused") for r in rounds]),
             ", ".join("%.1f" % ndjson(r, "inlet-paused") for r in rounds),
             median([ndjson(r, "inlet") for r in rounds])))


if __name__ == "__main__":
    main()
