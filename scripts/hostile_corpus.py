#!/usr/bin/env python3
"""Writes Tests/InletLocalTests/Fixtures/hostile/requests.json: the hostile requests that
HostileRequestTests sends to a live `inlet local` gateway.

Bodies are described, not stored, so the corpus stays small: "parts" are concatenated
(text, or a unit repeated), "malformed" names a file of the core's malformed corpus,
"gzip" compresses the described body at test time. Each request says what the gateway
must answer and whether the function owes an error record for it.

    python3 scripts/hostile_corpus.py     # rewrites the manifest
"""
import json
import os

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MALFORMED = os.path.join(TOP, "Tests/InletCoreTests/Fixtures/malformed")
OUT = os.path.join(TOP, "Tests/InletLocalTests/Fixtures/hostile/requests.json")

requests = []


def add(name, body, content_type="application/json", status=400, owes=True, route="gateway", encoding=None,
        header_flood=0, big_header=0, method="POST", path="/events"):
    requests.append({
        "name": name, "route": route, "method": method, "path": path, "content_type": content_type,
        "content_encoding": encoding, "header_flood": header_flood, "big_header": big_header, "body": body,
        "expect_status": status, "owes_error_record": owes,
    })


def text(s):
    return {"parts": [{"text": s}]}


def rep(unit, count):
    return {"repeat": unit, "count": count}


malformed = sorted(f for f in os.listdir(MALFORMED) if f.endswith(".json"))
# 1. Every malformed class, as JSON, as NDJSON and gzip-compressed: each is rejected, with a record.
for f in malformed:
    add("malformed json " + f, {"malformed": f})
    add("malformed ndjson " + f, {"malformed": f}, content_type="application/x-ndjson")
    add("malformed gzip " + f, {"gzip": {"malformed": f}}, encoding="gzip")
# 2. The same through API Gateway's base64 (a direct invoke with a crafted event).
for f in malformed[:20]:
    add("malformed base64 " + f, {"malformed": f}, route="invoke-base64")
# 3. Deep nesting, far past the 64-level limit.
for depth in (65, 100, 1000, 10000, 100000):
    add("nesting arrays %d" % depth, {"parts": [{"text": '{"Id":"1","a":'}, rep("[", depth), rep("]", depth), {"text": "}"}]})
    add("nesting objects %d" % depth, {"parts": [{"text": '{"Id":"1","a":'}, rep('{"a":', depth), {"text": "1"},
                                                  rep("}", depth), {"text": "}"}]})
add("nesting unterminated 1M", {"parts": [rep("[", 1000000)]})
# 4. Huge numbers where the contract wants a string, or where an object is due.
add("huge number id", text('{"Id":1e400}'))
add("huge negative exponent id", text('{"Id":1e-400}'))
add("100k-digit id", {"parts": [{"text": '{"Id":'}, rep("9", 100000), {"text": "}"}]})
add("huge number event", text("1e999999"))
add("100k-digit event", {"parts": [rep("7", 100000)]})
add("huge numbers in an array of events", text("[1e400, -1e400, 123456789012345678901234567890]"))
# 5. Megabyte strings: over Firehose's 1,000 KiB record limit, or the 6 MB payload limit.
add("1 MB id", {"parts": [{"text": '{"Id":"'}, rep("x", 1048576), {"text": '"}'}]})
add("1.1 MB name", {"parts": [{"text": '{"Id":"1","Name":"'}, rep("y", 1153434), {"text": '"}'}]})
add("1 MB key", {"parts": [{"text": '{"Id":"1","'}, rep("k", 1048576), {"text": '":1}'}]})
add("1 MB of escapes", {"parts": [{"text": '{"Id":"1","Name":"'}, rep("\\u0041", 200000), {"text": '"}'}]})
add("5.9 MB string", {"parts": [{"text": '{"Id":"'}, rep("z", 5900000), {"text": '"}'}]})
add("7 MB body (over Lambda's 6 MB)", {"parts": [{"text": '{"Id":"'}, rep("w", 7000000), {"text": '"}'}]},
    status=413, owes=False)
# 6. Zip bombs and broken compression.
add("gzip bomb 40 MiB of zeros", {"gzip": {"parts": [rep("\u0000", 41943040)]}}, encoding="gzip", status=413, owes=False)
add("gzip bomb 64 MiB of spaces", {"gzip": {"parts": [rep(" ", 67108864)]}}, encoding="gzip", status=413, owes=False)
add("gzip claimed, plain sent", text('{"Id":"1"}'), encoding="gzip", owes=False)
add("gzip truncated", {"truncate": 20, "of": {"gzip": {"parts": [rep('{"Id":"1"}\n', 1000)]}}}, encoding="gzip", owes=False)
add("deflate claimed, garbage sent", text("\u0001\u0002\u0003\u0004garbage"), encoding="deflate", owes=False)
add("unknown encoding", text('{"Id":"1"}'), encoding="br", status=415, owes=False)
# 7. Content types the function does not frame.
# (text/plain, as navigator.sendBeacon sends, and application/octet-stream are framed like JSON.)
for ct in ("text/html", "application/xml", "text/xml", "multipart/form-data; boundary=x", "image/png", "application/x-www-form-urlencoded", "application/pdf",
           "text/csv", "application/yaml", "video/mp4"):
    add("content type " + ct, text('{"Id":"1"}'), content_type=ct, status=415, owes=False)
# 8. Invalid base64 from API Gateway.
for i, b in enumerate(("!!!!", "abc", "ab=c", "====", "Zm9v=Zm9v", "Zm9v\nYmFy", "\u00ff\u00fe", "e30")):
    add("invalid base64 %d" % i, {"raw_base64_body": b}, route="invoke-base64", owes=False)
# 9. Bodies that hold no event.
add("empty body", text(""), owes=False)
add("whitespace body", text("   \n\t  "), owes=False)
add("empty array (no event: nothing to do)", text("[]"), status=200, owes=False)
add("empty object", text("{}"))
add("array of nulls", text("[null,null,null]"))
add("ndjson of blank lines", text("\n\n\n"), content_type="application/x-ndjson", owes=False)
add("reserved _ingest", text('{"Id":"1","_ingest":{"event_id":"forged"}}'))
add("10,000 invalid events", {"parts": [rep('{"Id":""}\n', 10000)]}, content_type="application/x-ndjson")
# 10. Header floods: refused by the server before the function runs.
add("300 headers", text('{"Id":"1"}'), header_flood=300, status="4xx-or-closed",
    owes=False)
add("2000 headers", text('{"Id":"1"}'), header_flood=2000, status="4xx-or-closed",
    owes=False)
add("one 100 KB header", text('{"Id":"1"}'), big_header=102400, status="4xx-or-closed", owes=False)
# 11. Requests for no route: on inlet local's one port they are S3's, which wants a signature.
add("GET on the route", text(""), method="GET", status=403, owes=False)
add("DELETE on the route", text(""), method="DELETE", status=403, owes=False)
add("dot-dot path", text('{"Id":"1"}'), path="/events/../events2", status=403, owes=False)
add("encoded dot-dot path", text('{"Id":"1"}'), path="/%2e%2e/%2e%2e/etc/passwd", status="4xx", owes=False)
add("8 KB path", text('{"Id":"1"}'), path="/" + "p" * 8192, status="4xx", owes=False)
add("unsigned S3 put into the data bucket", text('{"Id":"forged"}'), method="PUT", path="/inlet-data/forged.json",
    status=403, owes=False)
add("unsigned AWS JSON post to the root", text('{"DeliveryStreamName":"inlet-events","Records":[{"Data":"e30="}]}'),
    content_type="application/x-amz-json-1.1", path="/", status="4xx", owes=False)

with open(OUT, "w") as f:
    json.dump({"source": "scripts/hostile_corpus.py", "requests": requests}, f, indent=1)
    f.write("\n")
print("%d hostile requests written to %s" % (len(requests), os.path.relpath(OUT, TOP)))
