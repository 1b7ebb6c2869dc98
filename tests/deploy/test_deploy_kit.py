"""Offline tests of the deploy kit (template.yaml, iam/, snowflake/, diagrams/).

Run: python3 -m pytest tests/deploy -q
The checks themselves live in scripts/check_deploy_kit.py; these tests run each one and
also show that each one catches what it is meant to catch.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_deploy_kit", ROOT / "scripts" / "check_deploy_kit.py")
kit = importlib.util.module_from_spec(_spec)
sys.modules["check_deploy_kit"] = kit  # dataclasses look their module up here
_spec.loader.exec_module(kit)


def assert_ok(result):
    assert result.ok, f"{result.name} failed:\n" + "\n".join(result.problems)


@pytest.fixture(scope="module")
def template():
    return kit.load_template()


# ------------------------------------------------------------------ the checks, on the repo

def test_cfn_lint_reports_nothing():
    assert_ok(kit.check_cfn_lint())


def test_sam_validate_lint():
    result = kit.check_sam_validate()
    if result.skipped:
        pytest.skip(result.skipped)
    assert_ok(result)


def test_iam_documents_are_least_privilege(template):
    assert_ok(kit.check_iam(template))


def test_iam_folder_matches_template(template):
    assert_ok(kit.check_iam_match(template))


def test_every_snowflake_statement_parses():
    assert_ok(kit.check_sql())


def test_raw_columns_txt_matches_raw_table():
    assert_ok(kit.check_raw_columns())


def test_diagram_was_rendered_from_current_source():
    assert_ok(kit.check_diagram())


# ------------------------------------------------------- what the template must declare

def resources_of(template, rtype):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def test_function_runtime_code_and_environment(template):
    (name, fn), = resources_of(template, "AWS::Serverless::Function").items()
    props = fn["Properties"]
    assert props["Runtime"] == "provided.al2023"
    assert props["CodeUri"] == "dist/bootstrap.zip"
    assert props["Architectures"] == [{"Ref": "Architecture"}]
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert set(template["Parameters"]["Architecture"]["AllowedValues"]) == {"arm64", "x86_64"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    env = props["Environment"]["Variables"]
    assert set(env) >= {"DELIVERY_STREAM_NAME", "ERROR_BUCKET_NAME", "ERROR_KEY_PREFIX"}
    assert template["Parameters"]["ErrorKeyPrefix"]["Default"] == "errors/"
    assert "Policies" not in props, "the function must use its explicit least-privilege Role"
    event = props["Events"]["PostEvents"]
    assert event["Type"] == "HttpApi"
    assert event["Properties"]["Path"] == "/events" and event["Properties"]["Method"] == "POST"


def test_http_api_throttling_is_parameterised(template):
    (name, api), = resources_of(template, "AWS::Serverless::HttpApi").items()
    settings = api["Properties"]["DefaultRouteSettings"]
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}


def test_log_groups_have_parameterised_retention(template):
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_delivery_stream(template):
    (name, stream), = resources_of(template, "AWS::KinesisFirehose::DeliveryStream").items()
    props = stream["Properties"]
    assert props["DeliveryStreamType"] == "DirectPut"
    s3 = props["ExtendedS3DestinationConfiguration"]
    assert s3["CompressionFormat"] == "GZIP"
    assert s3["BufferingHints"] == {"IntervalInSeconds": {"Ref": "BufferIntervalInSeconds"},
                                    "SizeInMBs": {"Ref": "BufferSizeInMBs"}}
    assert template["Parameters"]["BufferIntervalInSeconds"]["Default"] == 60
    assert template["Parameters"]["BufferSizeInMBs"]["Default"] == 1
    assert s3["Prefix"]["Fn::Sub"].endswith("!{timestamp:yyyy/MM/dd/HH}/")
    assert "!{firehose:error-output-type}" in s3["ErrorOutputPrefix"]["Fn::Sub"]
    processors = s3["ProcessingConfiguration"]["Processors"]
    assert {"Type": "AppendDelimiterToRecord"} in processors
    assert s3["ProcessingConfiguration"]["Enabled"] == {"Fn::If": ["AppendDelimiter", True, False]}
    assert template["Parameters"]["AppendDelimiterToRecord"]["Default"] == "false"
    logging = s3["CloudWatchLoggingOptions"]
    assert logging["Enabled"] is True
    assert logging["LogGroupName"] == {"Ref": "FirehoseLogGroup"}
    assert logging["LogStreamName"] == {"Ref": "FirehoseLogStream"}


def test_buckets_are_private_encrypted_and_tls_only(template):
    buckets = resources_of(template, "AWS::S3::Bucket")
    assert set(buckets) == {"DataBucket", "ErrorBucket"}
    policies = {p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]
                for p in resources_of(template, "AWS::S3::BucketPolicy").values()}
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert all(props["PublicAccessBlockConfiguration"][k] is True for k in
                   ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
        sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        denies = [s for s in policies[name]["Statement"] if s["Effect"] == "Deny"
                  and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
        assert denies, f"{name} has no deny of insecure transport"


def test_error_bucket_expires_and_notifications_are_conditional(template):
    rules = template["Resources"]["ErrorBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(r.get("ExpirationInDays") == {"Ref": "ErrorRetentionInDays"} and r["Status"] == "Enabled"
               for r in rules)
    for bucket, param in (("DataBucket", "SnowpipeQueueArn"), ("ErrorBucket", "ErrorSnowpipeQueueArn")):
        notification = template["Resources"][bucket]["Properties"]["NotificationConfiguration"]
        cond, configured, otherwise = notification["Fn::If"]
        assert template["Conditions"][cond] == {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, ""]}]}
        assert otherwise == {"Ref": "AWS::NoValue"}
        assert configured["QueueConfigurations"][0]["Queue"] == {"Ref": param}
        assert template["Parameters"][param]["Default"] == ""


def actions_of(doc):
    return sorted(a for st in doc["Statement"] for a in kit.as_list(st["Action"]))


def test_function_role_grants_exactly_its_four_actions():
    doc = json.loads((ROOT / "iam" / "function-policy.json").read_text())
    assert actions_of(doc) == ["firehose:PutRecordBatch", "logs:CreateLogStream",
                               "logs:PutLogEvents", "s3:PutObject"]
    put_object = [st for st in doc["Statement"] if st["Action"] == "s3:PutObject"][0]
    assert put_object["Resource"] == "arn:aws:s3:::${ErrorBucket}/${ErrorKeyPrefix}*"


def test_snowflake_role_trust_and_prefix_condition():
    trust = json.loads((ROOT / "iam" / "snowflake-trust-policy.json").read_text())
    (st,) = trust["Statement"]
    assert st["Principal"] == {"AWS": "${SnowflakeUserArn}"}
    assert st["Condition"] == {"StringEquals": {"sts:ExternalId": "${ExternalId}"}}
    policy = json.loads((ROOT / "iam" / "snowflake-policy.json").read_text())
    lists = [s for s in policy["Statement"] if s["Action"] == "s3:ListBucket"]
    assert lists and all("s3:prefix" in s["Condition"]["StringLike"] for s in lists)
    assert set(actions_of(policy)) == {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"}


# ---------------------------------------------------- the checks catch what they should

def test_iam_check_rejects_wildcards_and_unlisted_resource_star():
    def doc(effect, action, resource="arn:aws:s3:::b/*"):
        return {"Version": "2012-10-17",
                "Statement": [{"Sid": "S", "Effect": effect, "Action": action, "Resource": resource}]}

    assert kit.check_policy_document("x", doc("Allow", "s3:*"), [])
    assert kit.check_policy_document("x", doc("Allow", "*"), [])
    assert kit.check_policy_document("x", doc("Allow", "s3:Get*"), [])
    assert kit.check_policy_document("x", doc("Allow", ["s3:GetObject", "s3:*"]), [])
    assert not kit.check_policy_document("x", doc("Allow", "s3:GetObject"), [])
    # A Deny may use a wildcard: it takes permissions away.
    assert not kit.check_policy_document("x", doc("Deny", "s3:*"), [])
    star = doc("Allow", "xray:PutTraceSegments", "*")
    assert kit.check_policy_document("x", star, [])
    listed = [{"document": "x", "sid": "S", "actions": ["xray:PutTraceSegments"], "reason": "no ARNs"}]
    assert not kit.check_policy_document("x", star, listed)
    assert kit.check_policy_document("x", json.JSONDecodeError("bad", "{", 0), [])


def test_iam_match_detects_drift(template):
    drifted = copy.deepcopy(template)
    statements = (drifted["Resources"]["FunctionRole"]["Properties"]["Policies"][0]
                  ["PolicyDocument"]["Statement"])
    statements[0]["Action"] = ["firehose:PutRecordBatch", "firehose:PutRecord"]
    result = kit.check_iam_match(drifted)
    assert any("function-policy.json differs" in p for p in result.problems)

    renamed = copy.deepcopy(template)
    cond = (renamed["Resources"]["SnowflakeRole"]["Properties"]["AssumeRolePolicyDocument"]
            ["Statement"][0]["Condition"])
    cond["StringLike"] = cond.pop("StringEquals")
    assert not kit.check_iam_match(renamed).ok


def test_split_sql_keeps_strings_blocks_and_skips_comments():
    text = ("-- a comment; with a semicolon\nSELECT 'a;b' AS x;\n"
            "EXECUTE IMMEDIATE $$\nBEGIN\n  SELECT 1;\nEND;\n$$;\n"
            "/* block; comment */ SELECT \"q;uoted\" FROM t; SELECT 'it''s';")
    statements = [s.text for s in kit.split_sql(text)]
    assert statements == ["SELECT 'a;b' AS x",
                          "EXECUTE IMMEDIATE $$\nBEGIN\n  SELECT 1;\nEND;\n$$",
                          "SELECT \"q;uoted\" FROM t",
                          "SELECT 'it''s'"]


def test_sql_check_rejects_unlisted_commands_bad_blocks_and_stale_entries(tmp_path):
    script = tmp_path / "50_probe.sql"
    script.write_text(
        "CREATE ROLE IF NOT EXISTS probe;\n"
        "SELECT $no_such_variable;\n"
        "EXECUTE IMMEDIATE $$ DECLARE ddl VARCHAR; BEGIN\n"
        "  SELECT 'CREATE STAGE ' || $integration_name || ' URL = ' INTO :ddl;\n"
        "  EXECUTE IMMEDIATE ddl; END; $$;\n"
        "CREATE PIPE p AUTO_INGEST = TRUE AS COPY INTO t FROM @s;\n")
    report = kit.analyse_sql([script], allowlist=[
        {"file": "50_probe.sql", "statement": "SHOW PIPES", "reason": "gone"}])
    problems = "\n".join(report.problems)
    assert "CREATE ROLE IF NOT EXISTS probe" in problems       # unlisted Command
    assert "$no_such_variable is not SET" in problems
    assert "EXECUTE IMMEDIATE block is not in" in problems
    assert "rendered DDL does not parse" in problems
    assert "stale allowlist entry" in problems
    assert report.pipes == 1                                    # the pipe's COPY parsed


def test_raw_columns_comparison_notices_a_difference():
    declared = kit.raw_table_columns()
    listed = kit.raw_columns_file()
    assert not kit.compare_raw_columns(listed, declared)
    assert kit.compare_raw_columns(listed[:-1], declared)
    changed = [(n, "VARCHAR" if n == "file_row_number" else t) for n, t in listed]
    assert kit.compare_raw_columns(changed, declared)


def test_diagram_check_notices_an_unrendered_change(tmp_path):
    work = tmp_path / "diagrams"
    shutil.copytree(ROOT / "diagrams", work)
    assert kit.check_diagram(work).ok
    source = work / "architecture.dot"
    source.write_text(source.read_text().replace("Sender", "Client"))
    assert not kit.check_diagram(work).ok


# ------------------------------------------------------------ what the SQL must declare

def statements_of(name):
    return kit.split_sql((ROOT / "snowflake" / name).read_text(), name)


def test_pipes_load_the_record_and_file_metadata():
    for name, table, stage in (("06_pipe.sql", "RAW_EVENTS", "@EVENTS_STAGE"),
                               ("07_errors.sql", "RAW_ERRORS", "@ERRORS_STAGE")):
        (pipe,) = [s.normalized for s in statements_of(name) if s.text.upper().startswith("CREATE PIPE")]
        assert "AUTO_INGEST = TRUE" in pipe
        assert f"AS COPY INTO {table}" in pipe
        select = re.search(r"SELECT (.*?) FROM " + re.escape(stage), pipe).group(1)
        assert [c.strip() for c in select.split(",")] == [
            "$1", "METADATA$FILENAME", "METADATA$FILE_ROW_NUMBER", "METADATA$FILE_CONTENT_KEY",
            "METADATA$FILE_LAST_MODIFIED", "METADATA$START_SCAN_TIME"]
        assert re.search(r"ON_ERROR = \w+", pipe)


def test_file_format_and_dedup_view():
    (fmt,) = [s.normalized for s in statements_of("03_file_format.sql") if "FILE FORMAT" in s.text
              and s.text.startswith("CREATE")]
    assert "TYPE = JSON" in fmt and "STRIP_OUTER_ARRAY = FALSE" in fmt and "COMPRESSION = AUTO" in fmt
    views = " ".join(s.normalized for s in statements_of("08_views.sql"))
    for field in ("Id", "Name", "Age", "Sex"):
        assert f"record:{field}::string" in views
    assert ("QUALIFY ROW_NUMBER() OVER ( PARTITION BY event_id "
            "ORDER BY file_last_modified DESC, file_row_number DESC ) = 1") in views


def test_monitoring_uses_the_documented_functions():
    text = (ROOT / "snowflake" / "09_monitoring.sql").read_text()
    for needle in ("SYSTEM$PIPE_STATUS", "COPY_HISTORY", "VALIDATE_PIPE_LOAD"):
        assert needle in text


def test_integration_sets_locations_and_an_explicit_external_id():
    text = (ROOT / "snowflake" / "02_storage_integration.sql").read_text()
    assert "STORAGE_ALLOWED_LOCATIONS" in text and "STORAGE_AWS_EXTERNAL_ID" in text
