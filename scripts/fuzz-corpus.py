#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora, Tests/Fuzz/corpus/<Target>/, from the test fixtures.

Usage: scripts/fuzz-corpus.py   (run from anywhere; rewrites the corpus directories)

- FuzzIngest: the malformed-JSON fixtures, the JSON-Schema-Test-Suite instances as events
  (one NDJSON body per keyword file, under the property of the fuzz contract that uses the
  keyword), and the API Gateway fixtures' bodies.
- FuzzBodyDecoder: those bodies gzip-, zlib- and base64-encoded, concatenated gzip members, a
  truncated stream and a small zip bomb.
- FuzzSigV4Request: the AWS SigV4 test suite's requests (unsigned, header-signed, presigned),
  the requests real botocore clients send (Tests/InletSigV4Tests/botocore_sign.py --clients,
  when botocore is importable), and S3 paths that try to leave their bucket.
- FuzzFirehoseRequest: `Operation` and a JSON body for each Firehose operation.

The output is deterministic (gzip without timestamps), so a rerun leaves git clean.
"""
import base64
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zlib
from urllib.parse import urlsplit

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, "Tests", "Fuzz", "corpus")
CORE_FIXTURES = os.path.join(TOP, "Tests", "InletCoreTests", "Fixtures")
SIGV4_SUITE = os.path.join(TOP, "Tests", "InletSigV4Tests", "Fixtures", "sigv4", "v4")
EVENTS = os.path.join(TOP, "Tests", "InletAPIGatewayTests", "Fixtures", "events")

# JSON-Schema-Test-Suite file -> the property of FuzzIngest's wide contract that uses its keyword.
KEYWORD_PROPERTY = {
    "type": "type", "const": "const", "enum": "enum",
    "minimum": "number", "maximum": "number", "exclusiveMinimum": "number", "exclusiveMaximum": "number",
    "multipleOf": "integer", "minLength": "string", "maxLength": "string", "pattern": "string",
    "format-date-time": "format", "format-email": "format", "format-uuid": "format",
    "items": "array", "prefixItems": "array", "minItems": "array", "maxItems": "array", "uniqueItems": "array",
    "contains": "array", "properties": "object", "additionalProperties": "object",
    "patternProperties": "object", "propertyNames": "object", "minProperties": "object",
    "maxProperties": "object", "dependentRequired": "object", "required": "object",
    "allOf": "all", "anyOf": "logic", "oneOf": "logic", "not": "logic", "if-then-else": "cond",
    "ref": "tree", "defs": "tree", "boolean_schema": "never",
}


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def gzip_bytes(data):
    return gzip.compress(data, mtime=0)


class Corpus:
    def __init__(self, target):
        self.directory = os.path.join(CORPUS, target)
        shutil.rmtree(self.directory, ignore_errors=True)
        os.makedirs(self.directory)
        self.seen = set()

    def add(self, name, data):
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        with open(os.path.join(self.directory, safe), "wb") as handle:
            handle.write(data)


def schema_suite_bodies():
    """(name, NDJSON body) per suite file: each instance as an event under its property."""
    directory = os.path.join(CORE_FIXTURES, "json-schema")
    for file in sorted(os.listdir(directory)):
        keyword = file[:-5]
        if not file.endswith(".json") or keyword not in KEYWORD_PROPERTY:
            continue
        with open(os.path.join(directory, file), encoding="utf-8") as handle:
            groups = json.load(handle)
        lines = []
        for group in groups:
            for n, test in enumerate(group["tests"]):
                event = {"Id": f"{keyword}-{n}", KEYWORD_PROPERTY[keyword]: test["data"]}
                lines.append(compact(event))
        yield keyword, b"\n".join(lines) + b"\n"


def ingest_bodies():
    yield "single-event", b'{"Id":"1","Name":"John","Age":"10","Sex":"Male"}'
    yield "array", b'[{"Id":"1","Name":"John"},{"Id":"2","Age":"10"},{"Id":" "},{"Id":"4","_ingest":{}},7]'
    yield "ndjson", b'{"Id":"1"}\n{"Id":"2","Sex":"Female"}\r\n\n{"Id":3}\n{"Id":"4"} trailing\n{"Id":"5"}{"Id":"6"}\n'
    yield "pretty", b'{\n  "Id": "a\\u00e9\\ud83d\\ude00",\n  "nested": {"list": [1, 2.5e-3, -0, true, null]}\n}\n'
    yield "empty-object", b"{}"
    for name in ("apigw-http-api-v2.json", "apigw-rest-v1.json"):
        with open(os.path.join(EVENTS, name), encoding="utf-8") as handle:
            event = json.load(handle)
        body = event["body"].encode("utf-8")
        yield "apigw-" + name[:-5], base64.b64decode(body) if event.get("isBase64Encoded") else body


def build_ingest():
    corpus = Corpus("FuzzIngest")
    malformed = os.path.join(CORE_FIXTURES, "malformed")
    for file in sorted(os.listdir(malformed)):
        with open(os.path.join(malformed, file), "rb") as handle:
            # scripts/fuzz.sh runs FuzzIngest with -max_len=8192: a longer seed is cut there.
            corpus.add("malformed-" + file, handle.read()[:8192])
    for keyword, body in schema_suite_bodies():
        corpus.add("schema-" + keyword + ".ndjson", body)
    for name, body in ingest_bodies():
        corpus.add(name, body)


def build_body_decoder():
    corpus = Corpus("FuzzBodyDecoder")
    bodies = dict(ingest_bodies())
    for name, body in bodies.items():
        corpus.add(name + ".gz", gzip_bytes(body))
        corpus.add(name + ".zlib", zlib.compress(body))
        corpus.add(name + ".b64", base64.b64encode(body))
        corpus.add(name + ".gz.b64", base64.b64encode(gzip_bytes(body)))
    ndjson = bodies["ndjson"]
    corpus.add("two-members.gz", gzip_bytes(ndjson) + gzip_bytes(bodies["single-event"]))
    corpus.add("member-then-garbage.gz", gzip_bytes(ndjson) + b"garbage")
    corpus.add("truncated.gz", gzip_bytes(ndjson)[:-9])
    corpus.add("empty.gz", gzip_bytes(b""))
    corpus.add("raw-deflate", zlib.compress(ndjson)[2:-4])
    # 2 MiB of zeros: past FuzzBodyDecoder's 1 MiB decompressed-size limit.
    corpus.add("bomb.gz", gzip_bytes(b"\0" * (2 << 20)))
    corpus.add("bad-base64-length", b"eyJJZCI6IjEifQ")
    corpus.add("bad-base64-char", b"eyJJZCI6I*EifQ==")
    corpus.add("base64-inner-padding", b"eyJJ=CI6IjEifQ==")


def request_text(method, target, headers, body=b""):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{name}:{value}" for name, value in headers]
    return ("\n".join(lines) + "\n\n").encode("utf-8") + body


def botocore_client_requests():
    python = os.path.join(TOP, ".venv-test", "bin", "python3")
    script = os.path.join(TOP, "Tests", "InletSigV4Tests", "botocore_sign.py")
    try:
        output = subprocess.run(
            [python if os.path.exists(python) else sys.executable, script, "--clients"],
            check=True, capture_output=True).stdout
    except (subprocess.CalledProcessError, OSError) as error:
        sys.stderr.write(f"fuzz-corpus: botocore client requests skipped: {error}\n")
        return
    for request in json.loads(output)["requests"]:
        url = urlsplit(request["url"])
        target = url.path + ("?" + url.query if url.query else "")
        # Unsigned headers that change from run to run are fixed, so that the corpus is stable.
        stable = {"user-agent": "Botocore", "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000"}
        headers = [("Host", url.netloc)] + [
            (name, stable.get(name.lower(), value)) for name, value in request["headers"]]
        yield request["name"], request_text(request["method"], target, headers, base64.b64decode(request["body_b64"]))


def build_sigv4_request():
    corpus = Corpus("FuzzSigV4Request")
    for case in sorted(os.listdir(SIGV4_SUITE)):
        for file in ("request.txt", "header-signed-request.txt", "query-signed-request.txt"):
            path = os.path.join(SIGV4_SUITE, case, file)
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    corpus.add(f"suite-{case}-{file[:-4]}", handle.read())
    for name, text in botocore_client_requests():
        corpus.add("botocore-" + name, text)
    host = [("Host", "127.0.0.1:4566"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
    for name, path in [
        ("dotdot", "/bucket/../escape"), ("encoded-dotdot", "/bucket/%2e%2e/%2E%2E/etc/passwd"),
        ("encoded-slash", "/bucket/..%2f..%2fescape"), ("absolute", "/bucket//etc/passwd"),
        ("nul", "/bucket/a%00b"), ("dot-bucket", "/../key"), ("leading-dot", "/bucket/.hidden"),
        ("long-key", "/bucket/" + "k" * 300), ("bad-percent", "/bucket/%zz"), ("non-utf8", "/bucket/%ff%fe"),
    ]:
        corpus.add("s3-path-" + name, request_text("PUT", path, host, b"data"))
    chunked = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    corpus.add("s3-aws-chunked", request_text(
        "PUT", "/bucket/key", host[:1] + [
            ("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", "5"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")], chunked))


def build_firehose_request():
    corpus = Corpus("FuzzFirehoseRequest")

    def add(name, operation, body):
        corpus.add(name, operation.encode() + b"\n" + (body if isinstance(body, bytes) else compact(body)))

    def data(text):
        return base64.b64encode(text.encode()).decode()

    add("put-record-batch", "PutRecordBatch", {"DeliveryStreamName": "events", "Records": [
        {"Data": data('{"Id":"1"}\n')}, {"Data": data("ünïcode ☃\n")}, {"Data": ""}]})
    add("put-record", "PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": data("x")}})
    add("create", "CreateDeliveryStream", {
        "DeliveryStreamName": "events", "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": {
            "BucketARN": "arn:aws:s3:::inlet-bucket", "RoleARN": "arn:aws:iam::000000000000:role/r",
            "Prefix": "events/!{timestamp:yyyy/MM/dd}/", "ErrorOutputPrefix": "errors/",
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60}, "CompressionFormat": "GZIP",
            "ProcessingConfiguration": {"Enabled": True, "Processors": [
                {"Type": "AppendDelimiterToRecord", "Parameters": []}]}}})
    add("create-s3-destination", "CreateDeliveryStream", {
        "DeliveryStreamName": "s", "S3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::b"}})
    add("describe", "DescribeDeliveryStream", {"DeliveryStreamName": "events"})
    add("list", "ListDeliveryStreams", {"Limit": 2, "DeliveryStreamType": "DirectPut",
                                        "ExclusiveStartDeliveryStreamName": "a"})
    add("delete", "DeleteDeliveryStream", {"DeliveryStreamName": "events"})
    add("full-target", "Firehose_20150804.PutRecord", {"DeliveryStreamName": "e", "Record": {"Data": "eA=="}})
    add("bad-base64", "PutRecordBatch", {"DeliveryStreamName": "e", "Records": [{"Data": "not base64!"}]})
    add("wrong-types", "PutRecordBatch", {"DeliveryStreamName": 5, "Records": {"Data": []}})
    add("bad-name", "DescribeDeliveryStream", {"DeliveryStreamName": "no spaces/allowed"})
    add("limit-as-float", "ListDeliveryStreams", {"Limit": 1.5})
    add("too-many-records", "PutRecordBatch", {"DeliveryStreamName": "e", "Records": [{"Data": "eA=="}] * 501})
    add("unknown-operation", "TagDeliveryStream", {"DeliveryStreamName": "e"})
    add("empty-body", "ListDeliveryStreams", b"")
    add("not-an-object", "PutRecord", b"[1,2,3]")


def main():
    build_ingest()
    build_body_decoder()
    build_sigv4_request()
    build_firehose_request()
    total_files = total_bytes = 0
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        total_files += len(files)
        total_bytes += size
        print(f"{target}: {len(files)} files, {size} bytes")
    print(f"total: {total_files} files, {total_bytes} bytes")


if __name__ == "__main__":
    main()
