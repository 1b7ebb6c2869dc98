#!/usr/bin/env python3
"""Signs requests with botocore, the reference SigV4 signer, for InletSigV4's tests.

Usage: botocore_sign.py REQUESTS.json  -> JSON on stdout

Input: {"cases": [{"id", "method", "url", "headers": [[name, value], ...],
"body_b64", "service", "region", "access_key", "secret_key", "token" (or null),
"timestamp" (yyyyMMddTHHmmssZ), "unsigned_payload" (bool),
"presign_expires" (int or null: also presign, without the body)}]}

Output: {"botocore": version, "results": [{"id", "authorization",
"x_amz_date", "x_amz_security_token", "x_amz_content_sha256",
"canonical_request", "presigned_signature"}]}

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
    sys.stderr.write(f"botocore is not importable ({error}); install it with 'pip install botocore'\n")
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
        result["presigned_canonical_request"] = presigner.captured
    return result


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: botocore_sign.py REQUESTS.json\n")
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    results = [sign(case) for case in cases]
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
