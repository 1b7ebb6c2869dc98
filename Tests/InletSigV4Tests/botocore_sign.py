#!/usr/bin/env python3
"""Signs requests with botocore, the reference SigV4 signer, for InletSigV4's tests.

Usage: botocore_sign.py REQUESTS.json  -> JSON on stdout

Input: {"cases": [{"id", "method", "url", "headers": [[name, value], ...],
"body_b64", "service", "region", "access_key", "secret_key", "token" (or null),
"timestamp" (yyyyMMddTHHmmssZ), "unsigned_payload" (bool),
"presign_expires" (int or null: also presign, without the body)}]}

Output: {"botocore": version, "results": [{"id", "authorization",
"x_amz_date", "x_amz_security_token", "x_amz_content_sha256",
"canonical_request", "presigned_signature", "presigned_url"}]}

Usage: botocore_sign.py --clients  -> JSON on stdout

Makes real botocore clients (Firehose, S3 over http and https) send a few
operations to a local endpoint, stops each request just before it would be
sent, and prints them: {"botocore", "access_key", "secret_key", "token",
"timestamp", "requests": [{"name", "method", "url", "headers", "body_b64"}]}.
Bodies that are streams (S3's aws-chunked uploads) are read out.

Exit status 3 (with a message on stderr) when botocore cannot be imported.
The signing time is fixed by replacing botocore.auth.get_current_datetime.
"""
import base64
import datetime
import json
import sys

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError as error:  # pragma: no cover - reported to the Swift test
    sys.stderr.write(f"botocore is not importable: {error}\n")
    sys.exit(3)


def capturing(cls):
    """A subclass of a botocore signer that remembers its canonical request."""

    class Capturing(cls):
        captured = None

        def canonical_request(self, request):
            result = super().canonical_request(request)
            self.captured = result
            return result

    return Capturing


def make_request(case, with_body=True):
    body = base64.b64decode(case["body_b64"]) if with_body else b""
    request = AWSRequest(method=case["method"], url=case["url"], data=body)
    for name, value in case["headers"]:
        # HTTPHeaders is an email.message.Message: assignment appends, so duplicates stay.
        request.headers[name] = value
    return request


def sign(case):
    when = datetime.datetime.strptime(case["timestamp"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda: when
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    is_s3 = case["service"] == "s3"
    result = {"id": case["id"]}

    request = make_request(case)
    if case.get("unsigned_payload"):
        if is_s3:
            request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
        else:
            request.context["payload_signing_enabled"] = False
    signer_class = capturing(botocore.auth.S3SigV4Auth if is_s3 else botocore.auth.SigV4Auth)
    signer = signer_class(credentials, case["service"], case["region"])
    signer.add_auth(request)
    result["authorization"] = request.headers["Authorization"]
    result["x_amz_date"] = request.headers.get("X-Amz-Date")
    result["x_amz_security_token"] = request.headers.get("X-Amz-Security-Token")
    result["x_amz_content_sha256"] = request.headers.get("X-Amz-Content-SHA256")
    result["canonical_request"] = signer.captured

    expires = case.get("presign_expires")
    if expires:
        # botocore's presigner moves a body into the query and keeps one value per
        # query name, so presigned cases have no body and no repeated names.
        request = make_request(case, with_body=False)
        query_class = capturing(botocore.auth.S3SigV4QueryAuth if is_s3 else botocore.auth.SigV4QueryAuth)
        presigner = query_class(credentials, case["service"], case["region"], expires=expires)
        presigner.add_auth(request)
        signature = request.url.rsplit("&X-Amz-Signature=", 1)[1]
        result["presigned_signature"] = signature
        result["presigned_url"] = request.url
        result["presigned_canonical_request"] = presigner.captured
    return result


class Captured(Exception):
    """Raised from before-send to stop a request once it is signed."""


def capture_client_requests():
    import botocore.session

    when = datetime.datetime(2026, 11, 27, 9, 41, 7)
    botocore.auth.get_current_datetime = lambda: when
    access_key, secret_key, token = "AKIDINLETTEST", "inlet/secret+key=", "FwoGZXIvYXdzEBYaDH//token+/="
    session = botocore.session.get_session()
    captured = []

    def make(service, endpoint, **config):
        client = session.create_client(
            service, region_name="eu-west-1", endpoint_url=endpoint, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, aws_session_token=token,
            config=Config(retries={"max_attempts": 1}, **config))

        def before_send(request, **kwargs):
            body = request.body
            if hasattr(body, "read"):
                body = body.read()
            if isinstance(body, str):
                body = body.encode("utf-8")
            headers = []
            for name, value in request.headers.items():
                headers.append([name, value.decode("utf-8") if isinstance(value, bytes) else value])
            captured.append({"method": request.method, "url": request.url, "headers": headers,
                             "body_b64": base64.b64encode(body or b"").decode("ascii")})
            raise Captured()

        client.meta.events.register("before-send", before_send)
        return client

    def run(name, call):
        try:
            call()
        except Captured:
            captured[-1]["name"] = name

    firehose = make("firehose", "http://localhost:4566")
    run("firehose PutRecordBatch", lambda: firehose.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": b'{"id":1}\n'}, {"Data": "ünïcode \u2603\n".encode()}]))
    run("firehose PutRecord", lambda: firehose.put_record(DeliveryStreamName="events", Record={"Data": b"x"}))
    for scheme in ("http", "https"):
        s3 = make("s3", f"{scheme}://localhost:4566", s3={"addressing_style": "path"}, signature_version="s3v4")
        run(f"s3 PutObject {scheme}", lambda: s3.put_object(
            Bucket="inlet-bucket", Key="events/2026/11/27/a b+c~ü.json", Body=b'{"a":1}\n' * 100))
        run(f"s3 GetObject {scheme}", lambda: s3.get_object(Bucket="inlet-bucket", Key="dir/ሴ file.gz"))
        run(f"s3 ListObjectsV2 {scheme}", lambda: s3.list_objects_v2(
            Bucket="inlet-bucket", Prefix="events/2026 11/", Delimiter="/", MaxKeys=10))
        run(f"s3 DeleteObjects {scheme}", lambda: s3.delete_objects(
            Bucket="inlet-bucket", Delete={"Objects": [{"Key": "a"}, {"Key": "b c"}]}))
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "inlet-bucket", "Key": "dir/ሴ file.gz"}, ExpiresIn=600)
        captured.append({"name": f"s3 presigned GetObject {scheme}", "method": "GET", "url": url,
                         "headers": [], "body_b64": ""})
    return {"botocore": botocore.__version__, "access_key": access_key, "secret_key": secret_key,
            "token": token, "timestamp": when.strftime("%Y%m%dT%H%M%SZ"), "requests": captured}


def main():
    if sys.argv[1:] == ["--clients"]:
        json.dump(capture_client_requests(), sys.stdout)
        return
    if len(sys.argv) != 2:
        sys.stderr.write("usage: botocore_sign.py REQUESTS.json\n")
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    results = [sign(case) for case in cases]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
