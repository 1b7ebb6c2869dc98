"""What the loopback stubs of the Lambda startup benchmark (lambda_startup.py) and the shipped
bootstrap's tests (tests/bootstrap) share: a quiet HTTP/1.1 handler, and Firehose's answer to
PutRecordBatch."""
import json
import socket
from http.server import BaseHTTPRequestHandler


class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1, no access log, each answer in one segment."""
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # One segment per answer: no Nagle and delayed-ACK stalls between header and body.
        if self.request.family in (socket.AF_INET, socket.AF_INET6):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}", headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply_put_record_batch(self, request):
        """Firehose's JSON 1.1 answer taking every record of `request` (the decoded body)."""
        count = len(request.get("Records", []))
        answer = {"FailedPutCount": 0, "Encrypted": False,
                  "RequestResponses": [{"RecordId": "r%d" % i} for i in range(count)]}
        self.reply(200, json.dumps(answer).encode(), [("Content-Type", "application/x-amz-json-1.1")])
