"""The shipped `bootstrap` (scripts/test.sh builds it into .build-lambda with the static,
HTTP-and-HTTPS-only libcurl of scripts/build-libcurl.sh) against loopback peers: a Runtime API
over HTTP, and Firehose and S3 over TLS with a certificate from a test CA.

That libcurl has no CA path of its own: it takes OpenSSL's default locations, which
SSL_CERT_FILE and SSL_CERT_DIR override. These tests show that it trusts what those name,
refuses a server they do not vouch for, and still does the function's real work over TLS.

  INLET_SHIPPED_BOOTSTRAP=.build-lambda/release/bootstrap python3 -m pytest tests/bootstrap -q
"""
import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "Benchmarks"))
from stub_http import QuietHandler  # noqa: E402  (the stubs' shared handler)
BOOTSTRAP = os.environ.get("INLET_SHIPPED_BOOTSTRAP", os.path.join(TOP, ".build-lambda/release/bootstrap"))
EVENT_FILE = os.path.join(TOP, "Tests/InletAPIGatewayTests/Fixtures/events/apigw-http-api-v2.json")
SAMPLE = open(os.path.join(TOP, "tests/sample.json"), "rb").read().strip()


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A test CA, and a server certificate it signed for 127.0.0.1."""
    d = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Inlet test CA",
            "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", str(d / "server.key"), "-out", str(d / "server.csr"))
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
            "-CAcreateserial", "-days", "1", "-extfile", str(d / "ext.cnf"), "-out", str(d / "server.pem"))
    (d / "empty").mkdir()
    return d


class Peers:
    """The Runtime API (HTTP) with one invocation, and Firehose and S3 (HTTPS) on another port."""

    def __init__(self, certificates, deadline_seconds):
        self.invocation_result = None      # (path, body) of the function's answer
        self.answered = threading.Event()
        self.firehose_calls = []           # (headers, JSON body) of each PutRecordBatch
        self.handed_out = False
        self.lock = threading.Lock()
        peers = self
        event = json.load(open(EVENT_FILE))

        class RuntimeAPI(QuietHandler):
            def do_GET(self):
                with peers.lock:
                    first = not peers.handed_out
                    peers.handed_out = True
                if not first:          # the function waits here for a second invocation
                    peers.answered.wait(60)
                    self.reply(500)
                    return
                deadline = int(time.time() * 1000) + deadline_seconds * 1000
                self.reply(200, json.dumps(event).encode(), [
                    ("Lambda-Runtime-Aws-Request-Id", "tls-1"),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f"),
                    ("Content-Type", "application/json"),
                ])

            def do_POST(self):
                body = self.read_body()
                self.reply(202)
                if "/invocation/" in self.path:
                    peers.invocation_result = (self.path, body)
                    peers.answered.set()

        class AWS(QuietHandler):
            def do_POST(self):     # Firehose, JSON 1.1
                body = json.loads(self.read_body() or b"{}")
                with peers.lock:
                    peers.firehose_calls.append((dict(self.headers), body))
                self.reply_put_record_batch(body)

            def do_PUT(self):      # S3 PutObject into the error bucket
                self.read_body()
                self.reply(200, b"", [("ETag", '"0"')])

        self.runtime = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeAPI)
        self.aws = ThreadingHTTPServer(("127.0.0.1", 0), AWS)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificates / "server.pem"), str(certificates / "server.key"))
        self.aws.socket = context.wrap_socket(self.aws.socket, server_side=True)
        for server in (self.runtime, self.aws):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def run_bootstrap(self, extra_env):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % self.runtime.server_address[1],
            "AWS_ENDPOINT_URL": "https://127.0.0.1:%d" % self.aws.server_address[1],
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "AWS_REGION": "us-east-1",
            "DELIVERY_STREAM_NAME": "events", "ERROR_BUCKET_NAME": "errors",
            **extra_env,
        }
        process = subprocess.Popen([BOOTSTRAP], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            answered = self.answered.wait(60)
        finally:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
            self.runtime.shutdown()
            self.aws.shutdown()
        assert answered, "the function never answered its invocation; its output:\n" + output
        path, body = self.invocation_result
        assert path == "/2018-06-01/runtime/invocation/tls-1/response", (path, body, output)
        return json.loads(body), output


@pytest.fixture(autouse=True)
def shipped_binary():
    if not os.access(BOOTSTRAP, os.X_OK):
        pytest.fail("%s is not built: scripts/test.sh builds it (INLET_SHIPPED_BOOTSTRAP names another)" % BOOTSTRAP)
    needed = subprocess.run(["objdump", "-p", BOOTSTRAP], check=True, capture_output=True, text=True).stdout
    assert "libcurl.so" not in needed, "the shipped bootstrap must link libcurl statically"


def test_records_reach_firehose_over_tls_with_the_ca_that_ssl_cert_file_names(certificates):
    peers = Peers(certificates, deadline_seconds=20)
    response, output = peers.run_bootstrap({
        "SSL_CERT_FILE": str(certificates / "ca.pem"), "SSL_CERT_DIR": str(certificates / "empty")})
    assert response["statusCode"] == 200, (response, output)
    assert json.loads(response["body"])["accepted"] == 1
    assert len(peers.firehose_calls) == 1
    headers, body = peers.firehose_calls[0]
    assert headers["X-Amz-Target"] == "Firehose_20150804.PutRecordBatch"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/firehose/aws4_request" in headers["Authorization"]
    assert body["DeliveryStreamName"] == "events"
    record = json.loads(base64.b64decode(body["Records"][0]["Data"]))
    assert {k: record[k] for k in json.loads(SAMPLE)} == json.loads(SAMPLE)
    assert record["_ingest"]["request_id"]


def test_a_server_that_no_trusted_ca_signed_gets_no_record(certificates):
    # Nothing trusted: an empty CA file and an empty CA folder. The function must not send the
    # record to this server; it answers 503 (Firehose did not take it, the error bucket is unreachable).
    (certificates / "none.pem").write_text("")
    peers = Peers(certificates, deadline_seconds=4)
    response, output = peers.run_bootstrap({
        "SSL_CERT_FILE": str(certificates / "none.pem"), "SSL_CERT_DIR": str(certificates / "empty")})
    assert peers.firehose_calls == []
    assert response["statusCode"] == 503, (response, output)
    body = json.loads(response["body"])
    assert body["accepted"] == 0 and body["deliveryFailed"] == [0], body
