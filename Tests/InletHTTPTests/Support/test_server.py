#!/usr/bin/env python3
"""Loopback HTTP/1.1 test server for InletHTTPTests (stdlib only).

Binds 127.0.0.1 on an ephemeral port and prints the port as the first line of
stdout. Exits on SIGTERM, when stdin reaches EOF (the test process went away),
or after --lifetime seconds.

Every response carries X-Connection-Id (a serial number per accepted TCP
connection) and X-Request-On-Connection (1 for the first request on it), so a
test can see whether connections were reused.

Routes (any method unless noted):
  /echo              JSON: method, path, headers [[name, value], ...], body_length,
                     body_sum (sum of bytes mod 2**32), body_text (if short UTF-8),
                     expect (the Expect header or null), connection_id
  /echo-raw          the request body back, as application/octet-stream
  /status/<code>     that status with a small text body
  /chunked/<n>/<size> n chunks of <size> bytes ('a'..), Transfer-Encoding: chunked,
                     plus a trailer X-Trailer: done
  /sleep/<ms>        sleeps, then 200 "slept"
  /headers           200 with X-Custom: Value, two Set-Thing fields, an empty X-Empty
  /truncate          Content-Length: 1000 but 10 bytes, then closes
  /truncate-chunked  one chunk, then closes without the last chunk
  /reset             reads the request, then closes with RST (SO_LINGER 0)
  /close-silently    reads the request, then closes without replying
  /then-close        200 with keep-alive, then closes the idle connection 50 ms later
  /stats             JSON: connections (accepted so far), requests
"""
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
stats = {"connections": 0, "requests": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no Nagle/delayed-ACK stalls on keep-alive

    def setup(self):
        super().setup()
        with lock:
            stats["connections"] += 1
            self.connection_id = stats["connections"]
        self.requests_here = 0

    def handle(self):
        try:
            super().handle()
        except (ValueError, OSError):
            pass  # the client went away, or /reset closed the socket under the handler

    def log_message(self, format, *args):  # keep test output clean
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        chunks, remaining = [], length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def reply(self, status, body, content_type="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Connection-Id", str(self.connection_id))
        self.send_header("X-Request-On-Connection", str(self.requests_here))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_one(self):
        with lock:
            stats["requests"] += 1
        self.requests_here += 1
        body = self.read_body()
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        route = parts[0] if parts else ""

        if route == "echo":
            text = None
            if len(body) <= 4096:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            doc = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_length": len(body),
                "body_sum": sum(body) % (1 << 32),
                "body_text": text,
                "expect": self.headers.get("Expect"),
                "connection_id": self.connection_id,
            }
            self.reply(200, json.dumps(doc).encode(), "application/json")
        elif route == "echo-raw":
            self.reply(200, body, "application/octet-stream")
        elif route == "status":
            code = int(parts[1])
            self.reply(code, f"status {code}".encode())
        elif route == "chunked":
            n, size = int(parts[1]), int(parts[2])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Trailer")
            self.send_header("X-Connection-Id", str(self.connection_id))
            self.end_headers()
            for i in range(n):
                data = bytes([97 + i % 26]) * size
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
        elif route == "sleep":
            time.sleep(int(parts[1]) / 1000)
            self.reply(200, b"slept")
        elif route == "headers":
            self.reply(200, b"ok", extra=[("X-Custom", "Value"), ("Set-Thing", "1"),
                                          ("Set-Thing", "2"), ("X-Empty", "")])
        elif route == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_now(reset=False)
        elif route == "truncate-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"a\r\n0123456789\r\n")
            self.wfile.flush()
            self.close_now(reset=False)
        elif route == "reset":
            self.close_now(reset=True)
        elif route == "close-silently":
            self.close_now(reset=False)
        elif route == "then-close":
            # A keep-alive response, then the server drops the idle connection, as a
            # load balancer or a thawed Lambda sandbox would.
            self.reply(200, b"bye")
            self.wfile.flush()
            time.sleep(0.05)
            self.close_now(reset=False)
        elif route == "stats":
            with lock:
                doc = dict(stats)
            self.reply(200, json.dumps(doc).encode(), "application/json")
        else:
            self.reply(404, b"no such route")

    def close_now(self, reset):
        if reset:
            # Close at once with linger 0, so the kernel sends RST rather than FIN. The
            # file objects hold references to the socket; the fd closes with the last one.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        else:
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_one


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # many concurrent connects must not overflow the backlog


def main():
    # A child of a Swift test process inherits its thread's blocked-signal mask
    # (libdispatch threads block SIGTERM), which would make terminate() a no-op.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    lifetime = 600.0
    if "--lifetime" in sys.argv:
        lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1])
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
