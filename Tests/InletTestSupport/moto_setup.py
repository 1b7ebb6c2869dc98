#!/usr/bin/env python3
"""Switches a moto_server's signature checks on and hands out keys that pass them.

moto checks SigV4 signatures and IAM policies only once its no-auth allowance is used
up: `POST /moto-api/reset-auth` with body `N` lets N more requests through unchecked
and enforces every request after them (moto's INITIAL_NO_AUTH_ACTION_COUNT, infinite
by default). So this script, with the checks off, creates an IAM user with an access
key and an allow-all inline policy, plus a role the user may assume, then posts `0`.

From then on every request to that moto must be signed with a key moto knows, so
every test suite that shares the server takes its keys from here. The keys are cached
in a JSON file per server (guarded by a lock, so concurrent test processes agree) and
reused while they still work and the checks are still on; otherwise the setup runs
again. Idempotent: run it as often as you like.

    moto_setup.py URL credentials      -> {"accessKeyId", "secretAccessKey", "region", "accountId", "roleArn"}
    moto_setup.py URL assume-role      -> the same plus "sessionToken" (temporary keys from STS AssumeRole)
    moto_setup.py URL create-stream NAME BUCKET PREFIX
                                       -> creates BUCKET (if missing) and a Firehose delivery stream
                                          NAME with an ExtendedS3 destination to it; prints {"streamName"}

Output is one JSON object on stdout. Needs boto3 (scripts/requirements-test.txt).
"""
import fcntl
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid

import boto3
import botocore.config
import botocore.exceptions

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def trust(principal_arn):
    """A trust policy that lets `principal_arn` assume the role (moto matches the principal exactly)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole"}],
        }
    )

CONFIG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)


def client(url, service, creds):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds.get("sessionToken"),
        config=CONFIG,
    )


def reset_auth(url, count):
    # Not form-encoded: Flask would swallow a form body and moto would read an empty one.
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=str(count).encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def still_good(url, creds):
    """True when `creds` pass moto's checks and a wrong secret does not (so the checks are on)."""
    try:
        client(url, "sts", creds).get_caller_identity()
    except botocore.exceptions.ClientError:
        return False
    wrong = dict(creds, secretAccessKey=creds["secretAccessKey"] + "x")
    try:
        client(url, "sts", wrong).get_caller_identity()
        return False  # accepted a wrong secret: the checks are off
    except botocore.exceptions.ClientError:
        return True


def bootstrap(url):
    reset_auth(url, "inf")  # checks off while we create the keys
    unchecked = {"accessKeyId": "AKIAINLETBOOTSTRAP00", "secretAccessKey": "unchecked"}  # checks are off
    iam = client(url, "iam", unchecked)
    user = f"inlet-test-{uuid.uuid4().hex[:8]}"
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="inlet-test-allow-all", PolicyDocument=POLICY)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role = iam.create_role(RoleName=f"{user}-role", AssumeRolePolicyDocument=trust(user_arn))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="inlet-test-allow-all", PolicyDocument=POLICY)
    reset_auth(url, 0)  # every request from now on is checked
    return {
        "accessKeyId": key["AccessKeyId"],
        "secretAccessKey": key["SecretAccessKey"],
        "region": REGION,
        "accountId": ACCOUNT,
        "roleArn": role["Arn"],
    }


def credentials(url):
    parts = urllib.parse.urlsplit(url)
    cache = os.path.join(tempfile.gettempdir(), f"inlet-moto-{parts.hostname}-{parts.port}.json")
    with open(cache + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(cache) as f:
                creds = json.load(f)
            if still_good(url, creds):
                return creds
        except (OSError, ValueError, KeyError):
            pass
        creds = bootstrap(url)
        tmp = cache + ".tmp"
        with open(tmp, "w") as f:
            json.dump(creds, f)
        os.replace(tmp, cache)
        return creds


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    url, command = argv[1].rstrip("/"), argv[2]
    creds = credentials(url)
    if command == "credentials":
        out = creds
    elif command == "assume-role":
        sts = client(url, "sts", creds)
        temp = sts.assume_role(RoleArn=creds["roleArn"], RoleSessionName="inlet-test")["Credentials"]
        out = dict(
            creds,
            accessKeyId=temp["AccessKeyId"],
            secretAccessKey=temp["SecretAccessKey"],
            sessionToken=temp["SessionToken"],
        )
    elif command == "create-stream":
        name, bucket, prefix = argv[3], argv[4], argv[5]
        s3 = client(url, "s3", creds)
        try:
            s3.create_bucket(Bucket=bucket)
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        firehose = client(url, "firehose", creds)
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": creds["roleArn"],
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "Prefix": prefix,
            },
        )
        out = {"streamName": name}
    else:
        sys.exit(f"unknown command {command!r}\n\n{__doc__}")
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
