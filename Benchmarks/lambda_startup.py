#!/usr/bin/env python3
"""Cold start, warm invocation cost and peak RSS of a Lambda runtime, against a stub.

The stub on 127.0.0.1 serves the Runtime API (one SAM HTTP API event per /next) and
answers Firehose PutRecordBatch and S3 PutObject, so the function does its real work with
no AWS. Both runtimes are measured the same way, one after the other, on this machine:

  python3 Benchmarks/lambda_startup.py [--bootstrap .build-lambda/release/bootstrap] [--runs 15] [--invocations 300]

- cold start: from spawning the process to its first GET /next (median and p90);
- warm: wall time per invocation, from one /next to the next, over --invocations;
- peak RSS: VmHWM of the runtime process after the warm run;
- as floors, a C program (curl_probe.c) that only loads libcurl and sends GET /next: once
  linked with the libcurl that bootstrap ships (scripts/build-libcurl.sh: HTTP and HTTPS,
  OpenSSL, zlib, static), once with Debian's (every protocol, 29 more shared libraries).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer

from stub_http import QuietHandler

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
EVENT = json.load(open(os.path.join(TOP, "Tests/InletAPIGatewayTests/Fixtures/events/apigw-http-api-v2.json")))


class Stub:
    def __init__(self, invocations):
        self.invocations = invocations
        self.served = 0
        self.first_next = None
        self.next_times = []
        self.done = threading.Event()
        self.lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next"):
                    now = time.perf_counter()
                    with stub.lock:
                        if stub.first_next is None:
                            stub.first_next = now
                        stub.next_times.append(now)
                        index = stub.served
                        stub.served += 1
                    if index >= stub.invocations:
                        stub.done.set()
                        time.sleep(3600)
                        return
                    body = json.dumps(EVENT).encode()
                    deadline = int(time.time() * 1000) + 30000
                    self.reply(200, body, [
                        ("Lambda-Runtime-Aws-Request-Id", "req-%d" % index),
                        ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                        ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f"),
                        ("Content-Type", "application/json"),
                    ])
                else:
                    self.reply(404)

            def do_POST(self):
                body = self.read_body()
                if "/runtime/" in self.path:
                    if "init/error" in self.path:
                        print("init error:", body.decode(), file=sys.stderr)
                    self.reply(202)
                    return
                self.reply_put_record_batch(json.loads(body or b"{}"))   # Firehose PutRecordBatch

            def do_PUT(self):
                self.read_body()
                self.reply(200, b"", [("ETag", '"0"')])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def environment(port):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
        "DELIVERY_STREAM_NAME": "bench", "ERROR_BUCKET_NAME": "bench-errors",
        "AWS_LAMBDA_LOG_LEVEL": "ERROR", "_HANDLER": "seed_app.handler",
    }
    for name in ("SWIFT_BACKTRACE",):  # runtime switches under study pass through
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_once(command, invocations, cwd=None):
    stub = Stub(invocations)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=environment(stub.port), cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not stub.done.wait(120):
            raise SystemExit("the runtime did not finish: %s" % process.stderr.read1(4096).decode())
        cold = (stub.first_next - start) * 1000
        times = stub.next_times
        warm = (times[-1] - times[1]) / max(1, len(times) - 2) * 1000 if len(times) > 2 else 0.0
        rss = peak_rss_kib(process.pid)
        return cold, warm, rss
    finally:
        process.kill()
        process.wait()
        stub.close()


def measure(name, command, runs, invocations, cwd=None):
    colds = [run_once(command, 0, cwd)[0] for _ in range(runs)]
    warm, rss = 0.0, 0
    if invocations:
        _, warm, rss = run_once(command, invocations, cwd)
    colds.sort()
    result = {
        "name": name, "cold_ms_median": statistics.median(colds),
        "cold_ms_p90": colds[int(len(colds) * 0.9) - 1], "warm_ms_per_invocation": warm, "peak_rss_mib": rss / 1024,
    }
    print("%-34s cold %7.2f ms (p90 %7.2f)  warm %6.3f ms/invocation  peak RSS %6.1f MiB" % (
        name, result["cold_ms_median"], result["cold_ms_p90"], warm, result["peak_rss_mib"]))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", default=os.path.join(TOP, ".build-lambda/release/bootstrap"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--invocations", type=int, default=300)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--no-floor", action="store_true", help="skip the C floor (Benchmarks/curl_probe.c)")
    args = parser.parse_args()
    if not args.no_floor:
        work = tempfile.mkdtemp()
        source = os.path.join(HERE, "curl_probe.c")
        # The same flags bootstrap's build gets: the libcurl.pc of scripts/build-libcurl.sh.
        pkgconfig = subprocess.run(["bash", os.path.join(TOP, "scripts/build-libcurl.sh")], check=True,
                                   capture_output=True, text=True).stdout.strip()
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libcurl"], check=True, capture_output=True,
                               text=True, env=dict(os.environ, PKG_CONFIG_PATH=pkgconfig)).stdout.split()
        shipped = os.path.join(work, "curl_probe_shipped")
        subprocess.run(["cc", "-O2", source, "-o", shipped] + flags, check=True)
        debian = os.path.join(work, "curl_probe_debian")
        subprocess.run(["cc", "-O2", source, "-o", debian, "-lcurl"], check=True)
        measure("floor: C + bootstrap's libcurl", [shipped], args.runs, 0)
        measure("floor: C + Debian's libcurl", [debian], args.runs, 0)
    swift = measure("inlet bootstrap", [args.bootstrap], args.runs, args.invocations)
    python = measure("python -m awslambdaric (boto3)", [args.python, "-m", "awslambdaric", "seed_app.handler"],
                     args.runs, args.invocations, cwd=os.path.join(HERE, "lambda_py"))
    print("cold start: bootstrap is %.1fx faster; warm: %.1fx; RSS: %.1fx smaller" % (
        python["cold_ms_median"] / swift["cold_ms_median"],
        python["warm_ms_per_invocation"] / max(swift["warm_ms_per_invocation"], 1e-9),
        python["peak_rss_mib"] / max(swift["peak_rss_mib"], 1e-9)))


if __name__ == "__main__":
    main()
