#!/usr/bin/env python3
"""A Firehose PutRecordBatch endpoint on loopback that misbehaves on purpose (stdlib only).

Binds 127.0.0.1 on an ephemeral port and prints the port as the first line of stdout.
Exits on SIGTERM, when stdin reaches EOF (the test process went away), or after
--lifetime seconds.

Each PutRecordBatch request (POST /) takes the next step of --plan; when the plan is used
up, every further request takes --then (default: accept). Steps:

  accept              every record accepted (200, a RecordId each)
  partial:F           each record fails with probability F (ServiceUnavailableException in
                      its RequestResponses entry, FailedPutCount > 0); the rest are accepted
  throttle            400 ThrottlingException (with the coral __type and x-amzn-ErrorType)
  500                 500 InternalFailure
  503                 503 ServiceUnavailableException
  error:STATUS:CODE   STATUS with {"__type": CODE}, e.g. error:400:ValidationException
  slow:SECONDS        sleeps, then 503 (never accepts)
  reset               reads the request, sends the headers and part of a body, then RST

Only "accept" and "partial" accept records, and they record each accepted record's
payload (base64-decoded). A request that does not look like a signed PutRecordBatch
(method, path, X-Amz-Target, Content-Type, Authorization scope, JSON shape) is answered
400 BadRequestShape without taking a step.

  GET /stats   JSON: requests (PutRecordBatch requests seen), steps (the step each took),
               records_received (entries over all requests), accepted (base64 payloads, in
               acceptance order), bad_requests
  --fast       answer "accept" without base64-decoding or storing payloads (for benchmarks)
"""
import base64
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"requests": 0, "steps": [], "records_received": 0, "accepted": [], "bad_requests": 0}
config = {"plan": [], "then": "accept", "rng": random.Random(1), "fast": False}


def next_step():
    with lock:
        state["requests"] += 1
        index = state["requests"] - 1
        step = config["plan"][index] if index < len(config["plan"]) else config["then"]
        state["steps"].append(step)
        return step


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def handle(self):
        try:
            super().handle()
        except (ValueError, OSError):
            pass

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        body = json.dumps({"__type": code, "message": message}).encode()
        self.reply(status, body, [("x-amzn-ErrorType", code.split("#")[-1].split(":")[0])])

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                doc = json.dumps(state).encode()
            self.reply(200, doc)
        else:
            self.error(404, "NotFound", "no such route")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        entries = self.check_shape(body)
        if entries is None:
            with lock:
                state["bad_requests"] += 1
            self.error(400, "BadRequestShape", "not a signed PutRecordBatch request")
            return
        step = next_step()
        with lock:
            state["records_received"] += len(entries)
        kind, _, argument = step.partition(":")
        if kind == "accept":
            self.accept(entries, 0.0)
        elif kind == "partial":
            self.accept(entries, float(argument))
        elif kind == "throttle":
            self.error(
                400,
                "com.amazon.coral.service#ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/",
                "Rate exceeded for delivery stream.",
            )
        elif kind == "500":
            self.error(500, "InternalFailure", "The request processing has failed because of an unknown error.")
        elif kind == "503":
            self.error(503, "ServiceUnavailableException", "Slow down.")
        elif kind == "error":
            status, _, code = argument.partition(":")
            self.error(int(status), code, f"{code} (injected)")
        elif kind == "slow":
            time.sleep(float(argument))
            self.error(503, "ServiceUnavailableException", "Slow down (after a slow answer).")
        elif kind == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", "200")
            self.end_headers()
            self.wfile.write(b'{"FailedPutCount":0,"Requ')
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            self.close_connection = True
        else:
            self.error(500, "BadStep", f"unknown step {step!r}")

    def check_shape(self, body):
        if self.path != "/":
            return None
        if self.headers.get("X-Amz-Target") != "Firehose_20150804.PutRecordBatch":
            return None
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            return None
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "/firehose/aws4_request" not in auth:
            return None
        if config["fast"]:
            return [None] * body.count(b'{"Data":')
        try:
            doc = json.loads(body)
            entries = doc["Records"]
            if not isinstance(doc["DeliveryStreamName"], str) or not isinstance(entries, list):
                return None
            return [e["Data"] for e in entries]
        except (ValueError, KeyError, TypeError):
            return None

    def accept(self, entries, fail_fraction):
        responses = []
        failed = 0
        accepted = []
        with lock:
            for data in entries:
                if fail_fraction > 0 and config["rng"].random() < fail_fraction:
                    failed += 1
                    responses.append(
                        {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down (partial failure)."}
                    )
                else:
                    if not config["fast"]:
                        base64.b64decode(data, validate=True)
                        accepted.append(data)
                    responses.append({"RecordId": uuid.uuid4().hex})
            state["accepted"].extend(accepted)
        body = json.dumps({"Encrypted": False, "FailedPutCount": failed, "RequestResponses": responses}).encode()
        self.reply(200, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def main():
    # A child of a Swift test process inherits its thread's blocked-signal mask
    # (libdispatch threads block SIGTERM), which would make terminate() a no-op.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    args = sys.argv[1:]

    def option(name, default):
        return args[args.index(name) + 1] if name in args else default

    config["plan"] = [s for s in option("--plan", "").split(",") if s]
    config["then"] = option("--then", "accept")
    config["rng"] = random.Random(int(option("--seed", "1")))
    config["fast"] = "--fast" in args
    lifetime = float(option("--lifetime", "600"))
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Timer(lifetime, stop).start()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
