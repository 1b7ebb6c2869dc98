"""The seed's function, as a Python Lambda with boto3, for the startup comparison.

It does the same work as Inlet's bootstrap for one request: decode the body, check each
event's Id, enrich it, PutRecordBatch the valid ones and PutObject the invalid ones.
"""
import base64
import json
import os
import time
import uuid

import boto3

firehose = boto3.client("firehose")
s3 = boto3.client("s3")
STREAM = os.environ["DELIVERY_STREAM_NAME"]
BUCKET = os.environ["ERROR_BUCKET_NAME"]


def handler(event, context):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    parsed = json.loads(body)
    events = parsed if isinstance(parsed, list) else [parsed]
    valid, invalid = [], []
    for index, item in enumerate(events):
        ident = item.get("Id") if isinstance(item, dict) else None
        if isinstance(ident, str) and ident.strip():
            item["_ingest"] = {
                "event_id": str(uuid.uuid4()),
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "request_id": context.aws_request_id,
            }
            valid.append({"Data": (json.dumps(item, separators=(",", ":")) + "\n").encode()})
        else:
            invalid.append({"index": index, "event": item})
    if valid:
        firehose.put_record_batch(DeliveryStreamName=STREAM, Records=valid)
    if invalid:
        s3.put_object(Bucket=BUCKET, Key="errors/%s.json" % context.aws_request_id, Body=json.dumps(invalid))
    return {"statusCode": 200, "body": json.dumps({"accepted": len(valid), "rejected": len(invalid)})}
