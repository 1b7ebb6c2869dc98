#!/usr/bin/env python3
"""Offline checks of Inlet's deploy kit: template.yaml, iam/, snowflake/, diagrams/.

    python3 scripts/check_deploy_kit.py            # every check, a summary, exit 1 on failure
    python3 scripts/check_deploy_kit.py sql iam    # only these checks
    python3 -m pytest tests/deploy -q              # the same checks as pytest tests

Checks (names as given on the command line):
  cfn-lint      `cfn-lint template.yaml` reports nothing.
  sam           `sam validate --lint` passes; skipped, with the reason printed, when the
                SAM CLI is not installed (it is not required).
  iam           every IAM document (iam/*.json and every policy document in the template)
                parses, grants no wildcard action (`*`, `s3:*`, `s3:Get*`, NotAction) in an
                Allow statement, and uses `"Resource": "*"` only where
                iam/resource-star-exceptions.json lists it with a reason. Deny statements may
                use wildcard actions: a Deny takes permissions away (the buckets' deny of
                insecure transport must cover every S3 action).
  iam-match     every iam/ document equals the template declaration iam/manifest.json maps
                it to, after the template's references are replaced by the placeholders
                listed there; no template policy is left unmirrored.
  sql           every statement in snowflake/*.sql parses with sqlglot's snowflake dialect:
                CREATE PIPE is split at `AS COPY INTO` and the COPY parsed; each
                EXECUTE IMMEDIATE block's DDL is rendered with the values in
                00_variables.sql and parsed; a statement sqlglot can only keep as a generic
                Command must be listed, with its reason, in
                snowflake/sqlglot-command-allowlist.json (and a listed statement that parses
                properly, or no longer exists, fails as stale). Every $variable used is SET
                in 00_variables.sql.
  raw-columns   snowflake/raw_columns.txt lists the columns and types of RAW_EVENTS in
                05_raw_table.sql, in order.
  diagram       the SHA-256 of diagrams/architecture.dot equals the one recorded by
                scripts/diagram.sh (architecture.dot.sha256 and the SVG's comment), and the
                PNG exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
IAM_DIR = ROOT / "iam"
SQL_DIR = ROOT / "snowflake"
DIAGRAM_DIR = ROOT / "diagrams"
ALLOWLIST = SQL_DIR / "sqlglot-command-allowlist.json"
EXCEPTIONS = IAM_DIR / "resource-star-exceptions.json"
MANIFEST = IAM_DIR / "manifest.json"


class Skip(Exception):
    """A check that cannot run here; the message says why."""


@dataclass
class Result:
    name: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- template

def load_template(path: Path = TEMPLATE) -> dict:
    """The template as plain data, short-form tags (!Ref, !Sub, ...) turned into their
    long forms ({"Ref": ...}, {"Fn::Sub": ...})."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, tag_suffix, node):
        name = tag_suffix
        key = "Ref" if name == "Ref" else "Condition" if name == "Condition" else f"Fn::{name}"
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    Loader.add_multi_constructor("!", construct)
    # CloudFormation keeps "2010-09-09" a string; so must we.
    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml.load(path.read_text(), Loader=Loader)


def check_cfn_lint() -> Result:
    result = Result("cfn-lint")
    code = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"
    try:
        import cfnlint  # noqa: F401
    except ImportError:
        result.problems.append("cfn-lint is not installed (pip install -r scripts/requirements-test.txt)")
        return result
    proc = subprocess.run([sys.executable, "-c", code, "template.yaml"], cwd=ROOT,
                          capture_output=True, text=True)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or output:
        result.problems.append(f"cfn-lint template.yaml exited {proc.returncode}:\n{output}")
    else:
        result.notes.append("cfn-lint template.yaml: no errors, no warnings")
    return result


def check_sam_validate() -> Result:
    result = Result("sam")
    sam = shutil.which("sam")
    if not sam:
        result.skipped = "the SAM CLI (`sam`) is not installed; `sam validate --lint` not run"
        return result
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.setdefault("SAM_CLI_TELEMETRY", "0")
    proc = subprocess.run([sam, "validate", "--lint", "--template", "template.yaml"], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        result.problems.append(f"sam validate --lint exited {proc.returncode}:\n{output}")
    else:
        result.notes.append(output.splitlines()[-1] if output else "sam validate --lint passed")
    return result


# ------------------------------------------------------------------------------- IAM

POLICY_KEYS = ("PolicyDocument", "AssumeRolePolicyDocument")


def template_policy_documents(template: dict) -> dict[str, dict]:
    """Every policy document in the template, by a path such as
    `FunctionRole.Policies[inlet-ingest].PolicyDocument`."""
    found: dict[str, dict] = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in POLICY_KEYS and isinstance(value, dict):
                    found[f"{path}.{key}"] = value
                else:
                    walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                label = item.get("PolicyName") if isinstance(item, dict) else None
                walk(item, f"{path}[{label if isinstance(label, str) else i}]")

    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        walk(props, logical_id)
        # SAM policy templates and managed policies on a function would escape these
        # checks; the function must use its explicit Role instead.
        if resource.get("Type") == "AWS::Serverless::Function" and "Policies" in props:
            found[f"{logical_id}.Policies"] = {"_unsupported": "SAM Policies on a function"}
    return found


def iam_file_documents() -> dict[str, object]:
    docs: dict[str, object] = {}
    for path in sorted(IAM_DIR.glob("*.json")):
        if path in (EXCEPTIONS, MANIFEST):
            continue
        try:
            docs[path.name] = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            docs[path.name] = err
    return docs


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_policy_document(origin: str, doc, exceptions: list[dict]) -> list[str]:
    """Problems with one policy document (identity, trust or bucket policy)."""
    if isinstance(doc, Exception):
        return [f"{origin}: does not parse as JSON: {doc}"]
    if not isinstance(doc, dict):
        return [f"{origin}: not a JSON object"]
    if "_unsupported" in doc:
        return [f"{origin}: {doc['_unsupported']} are not allowed; declare an AWS::IAM::Role"]
    problems = []
    if doc.get("Version") != "2012-10-17":
        problems.append(f"{origin}: Version must be \"2012-10-17\"")
    statements = as_list(doc.get("Statement"))
    if not statements:
        problems.append(f"{origin}: no Statement")
    for index, st in enumerate(statements):
        where = f"{origin} statement {st.get('Sid', index) if isinstance(st, dict) else index}"
        if not isinstance(st, dict):
            problems.append(f"{where}: not an object")
            continue
        effect = st.get("Effect")
        if effect not in ("Allow", "Deny"):
            problems.append(f"{where}: Effect must be Allow or Deny")
        actions = as_list(st.get("Action"))
        if not actions:
            problems.append(f"{where}: no Action")
        for action in actions:
            if not isinstance(action, str):
                problems.append(f"{where}: action {action!r} is not a string (unresolved reference?)")
            elif effect == "Allow" and "*" in action:
                problems.append(f"{where}: wildcard action {action!r} in an Allow statement")
        if effect == "Allow":
            for key in ("NotAction", "NotResource", "NotPrincipal"):
                if key in st:
                    problems.append(f"{where}: {key} in an Allow statement grants too broadly")
            principal = st.get("Principal")
            if principal == "*" or (isinstance(principal, dict)
                                    and "*" in as_list(principal.get("AWS"))):
                problems.append(f"{where}: Allow to any principal (\"*\")")
        resources = as_list(st.get("Resource"))
        is_trust = "sts:AssumeRole" in actions and "Principal" in st
        if effect == "Allow" and not resources and not is_trust:
            problems.append(f"{where}: no Resource")
        if "*" in resources:
            listed = [e for e in exceptions
                      if e.get("document") == origin and e.get("sid") == st.get("Sid")
                      and sorted(as_list(e.get("actions"))) == sorted(actions) and e.get("reason")]
            if not listed:
                problems.append(f"{where}: \"Resource\": \"*\" is not listed in "
                                f"iam/resource-star-exceptions.json (document, sid, actions, reason)")
    return problems


def load_exceptions() -> list[dict]:
    data = json.loads(EXCEPTIONS.read_text())
    exceptions = data.get("exceptions")
    if not isinstance(exceptions, list):
        raise ValueError("iam/resource-star-exceptions.json: \"exceptions\" must be a list")
    return exceptions


def check_iam(template: dict | None = None) -> Result:
    result = Result("iam")
    template = template if template is not None else load_template()
    exceptions = load_exceptions()
    for entry in exceptions:
        if not entry.get("reason"):
            result.problems.append(f"iam/resource-star-exceptions.json: entry without a reason: {entry}")
    documents: dict[str, object] = dict(iam_file_documents())
    for path, doc in template_policy_documents(template).items():
        documents[f"template:{path}"] = doc
    for origin, doc in documents.items():
        result.problems.extend(check_policy_document(origin, doc, exceptions))
    result.notes.append(f"{len(documents)} IAM documents checked "
                        f"({sum(1 for o in documents if not o.startswith('template:'))} in iam/, "
                        f"{sum(1 for o in documents if o.startswith('template:'))} in template.yaml), "
                        f"{len(exceptions)} Resource \"*\" exceptions listed")
    return result


_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Unresolved(Exception):
    pass


def resolve(node, placeholders: dict[str, str], template: dict):
    """Replace CloudFormation references in a policy document with iam/ placeholders."""
    if isinstance(node, list):
        return [resolve(item, placeholders, template) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, value), = node.items()

        def name(ref: str) -> str:
            if ref not in placeholders:
                raise Unresolved(f"no placeholder for {ref!r} in iam/manifest.json")
            return placeholders[ref]

        if key == "Ref":
            return name(value)
        if key == "Fn::Sub":
            text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
            if variables:
                raise Unresolved("Fn::Sub with a variable map is not supported here")
            return _SUB_VAR.sub(lambda m: name(m.group(1)), text).replace("${!", "${")
        if key == "Fn::GetAtt":
            logical_id, attribute = value
            rtype = template.get("Resources", {}).get(logical_id, {}).get("Type")
            if rtype == "AWS::S3::Bucket" and attribute == "Arn":
                return f"arn:{name('AWS::Partition')}:s3:::{name(logical_id)}"
            raise Unresolved(f"Fn::GetAtt {logical_id}.{attribute} is not supported; use Fn::Sub")
        if key == "Fn::If":
            return resolve(value[1], placeholders, template)
        if key == "Fn::Join":
            sep, parts = value
            return sep.join(str(resolve(p, placeholders, template)) for p in parts)
        if key.startswith("Fn::") or key == "Condition":
            raise Unresolved(f"{key} is not supported in policy documents here")
    return {k: resolve(v, placeholders, template) for k, v in node.items()}


def normalize_policy(doc: dict) -> dict:
    """A comparable form: statements as a sorted list, lists sorted, Sids dropped."""
    def norm_values(value):
        return sorted(str(v) for v in as_list(value))

    def norm_principal(principal):
        if isinstance(principal, dict):
            return {k: norm_values(v) for k, v in sorted(principal.items())}
        return principal

    def norm_condition(condition):
        return {op: {key: norm_values(v) for key, v in sorted(keys.items())}
                for op, keys in sorted((condition or {}).items())}

    statements = []
    for st in as_list(doc.get("Statement")):
        entry = {"Effect": st.get("Effect")}
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in st:
                entry[key] = norm_values(st[key])
        if "Principal" in st:
            entry["Principal"] = norm_principal(st["Principal"])
        if "Condition" in st:
            entry["Condition"] = norm_condition(st["Condition"])
        statements.append(entry)
    statements.sort(key=lambda e: json.dumps(e, sort_keys=True))
    return {"Version": doc.get("Version"), "Statement": statements}


def check_iam_match(template: dict | None = None) -> Result:
    result = Result("iam-match")
    template = template if template is not None else load_template()
    manifest = json.loads(MANIFEST.read_text())
    mapping: dict[str, str] = manifest["documents"]
    placeholders: dict[str, str] = manifest["placeholders"]
    template_docs = template_policy_documents(template)
    files = iam_file_documents()

    for filename in files:
        if filename not in mapping:
            result.problems.append(f"iam/{filename} is not mapped in iam/manifest.json")
    for path in template_docs:
        if path not in mapping.values():
            result.problems.append(f"template.yaml {path} has no iam/ counterpart in iam/manifest.json")
    for filename, path in mapping.items():
        if filename not in files:
            result.problems.append(f"iam/manifest.json maps missing file iam/{filename}")
            continue
        if path not in template_docs:
            result.problems.append(f"iam/manifest.json maps iam/{filename} to {path}, not in template.yaml")
            continue
        doc = files[filename]
        if isinstance(doc, Exception):
            result.problems.append(f"iam/{filename}: does not parse: {doc}")
            continue
        try:
            rendered = resolve(template_docs[path], placeholders, template)
        except Unresolved as err:
            result.problems.append(f"template.yaml {path}: {err}")
            continue
        want, have = normalize_policy(rendered), normalize_policy(doc)
        if want != have:
            result.problems.append(
                f"iam/{filename} differs from template.yaml {path}:\n"
                f"  template (placeholders substituted): {json.dumps(want, sort_keys=True)}\n"
                f"  iam/{filename}: {json.dumps(have, sort_keys=True)}")
    used = set()
    for doc in files.values():
        if not isinstance(doc, Exception):
            used.update(re.findall(r"\$\{[A-Za-z]+\}", json.dumps(doc)))
    known = {v for v in placeholders.values() if v.startswith("${")}
    for placeholder in sorted(used - known):
        result.problems.append(f"placeholder {placeholder} is used in iam/ but not in iam/manifest.json")
    readme = (IAM_DIR / "README.md").read_text() if (IAM_DIR / "README.md").exists() else ""
    for placeholder in sorted(known):
        if f"`{placeholder}`" not in readme:
            result.problems.append(f"placeholder {placeholder} is not documented in iam/README.md")
    result.notes.append(f"{len(mapping)} iam/ documents equal their template declarations")
    return result


# ------------------------------------------------------------------------------- SQL

@dataclass
class Statement:
    file: str
    line: int
    text: str  # comments removed, whitespace kept

    @property
    def normalized(self) -> str:
        return normalize_sql(self.text)


def normalize_sql(text: str) -> str:
    return " ".join(text.split())


def split_sql(text: str, file: str = "<sql>") -> list[Statement]:
    """Split a Snowflake script into statements at top-level semicolons, skipping
    comments and keeping string literals, quoted identifiers and $$ blocks whole."""
    statements: list[Statement] = []
    buf: list[str] = []
    line = 1
    start_line = None
    i, n = 0, len(text)

    def flush():
        nonlocal buf, start_line
        body = "".join(buf).strip()
        if body:
            statements.append(Statement(file, start_line or line, body))
        buf, start_line = [], None

    while i < n:
        c = text[i]
        if text.startswith("--", i) or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"{file}:{line}: unterminated /* comment")
            line += text.count("\n", i, end + 2)
            buf.append(" ")
            i = end + 2
            continue
        if c == "\n":
            line += 1
        if start_line is None and not c.isspace() and c != ";":
            start_line = line
        if text.startswith("$$", i):
            end = text.find("$$", i + 2)
            if end < 0:
                raise ValueError(f"{file}:{line}: unterminated $$ block")
            chunk = text[i:end + 2]
            line += chunk.count("\n")
            buf.append(chunk)
            i = end + 2
            continue
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if c == "'" and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise ValueError(f"{file}:{line}: unterminated {c} quote")
            chunk = text[i:j + 1]
            line += chunk.count("\n")
            buf.append(chunk)
            i = j + 1
            continue
        if c == ";":
            flush()
            i += 1
            continue
        buf.append(c)
        i += 1
    flush()
    return statements


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


_PIPE_HEAD = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?PIPE\s+(?:IF\s+NOT\s+EXISTS\s+)?[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*){0,2}"
    r"(?:\s+(?:AUTO_INGEST\s*=\s*(?:TRUE|FALSE)"
    r"|ERROR_INTEGRATION\s*=\s*[A-Za-z_][\w$]*"
    r"|AWS_SNS_TOPIC\s*=\s*'[^']*'"
    r"|INTEGRATION\s*=\s*'[^']*'"
    r"|COMMENT\s*=\s*'(?:[^']|'')*'))*\s*$",
    re.IGNORECASE)
_PIPE_SPLIT = re.compile(r"\bAS\s+(?=COPY\s+INTO\b)", re.IGNORECASE)
_BLOCK = re.compile(r"^EXECUTE\s+IMMEDIATE\s+\$\$(?P<body>.*)\$\$$", re.IGNORECASE | re.DOTALL)
_BLOCK_SELECT = re.compile(r"\bSELECT\s+(?P<expr>.*?)\s+INTO\s+:(?P<var>\w+)\s*;", re.IGNORECASE | re.DOTALL)


def parse_one(sql: str):
    import logging

    import sqlglot
    # sqlglot logs a warning for each statement it keeps as a generic Command; this
    # module reports those itself.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    from sqlglot.errors import ParseError
    try:
        return sqlglot.parse_one(sql, read="snowflake"), None
    except ParseError as err:
        return None, str(err).splitlines()[0]


def is_command(expression) -> bool:
    from sqlglot import exp
    return isinstance(expression, exp.Command)


def evaluate_concat(expression, variables: dict[str, str]) -> str:
    """Evaluate a `'literal' || $var || ...` expression."""
    from sqlglot import exp
    if isinstance(expression, exp.DPipe):
        return evaluate_concat(expression.this, variables) + evaluate_concat(expression.expression, variables)
    if isinstance(expression, exp.Literal) and expression.is_string:
        return expression.this
    if isinstance(expression, exp.Parameter):
        name = expression.name.lower()
        if name not in variables:
            raise KeyError(f"${name} is not SET in 00_variables.sql")
        return variables[name]
    if isinstance(expression, exp.CurrentUser):
        return "DEPLOY_USER"
    if isinstance(expression, exp.Paren):
        return evaluate_concat(expression.this, variables)
    raise ValueError(f"cannot evaluate {expression.sql('snowflake')!r} offline")


def session_variables() -> dict[str, str]:
    """The values 00_variables.sql SETs (CURRENT_USER() stands in as DEPLOY_USER)."""
    from sqlglot import exp
    variables: dict[str, str] = {}
    for st in split_sql((SQL_DIR / "00_variables.sql").read_text(), "00_variables.sql"):
        tree, error = parse_one(st.text)
        if not isinstance(tree, exp.Set):
            continue
        for item in tree.expressions:
            eq = item.this
            variables[eq.this.name.lower()] = evaluate_concat(eq.expression, variables)
    return variables


@dataclass
class SqlReport:
    statements: int = 0
    parsed: int = 0
    pipes: int = 0
    blocks: int = 0
    commands: int = 0
    problems: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def load_allowlist() -> list[dict]:
    data = json.loads(ALLOWLIST.read_text())
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise ValueError("snowflake/sqlglot-command-allowlist.json: \"entries\" must be a list")
    return entries


def analyse_sql(files: list[Path] | None = None, allowlist: list[dict] | None = None) -> SqlReport:
    from sqlglot import exp
    report = SqlReport()
    files = files if files is not None else sql_files()
    allowlist = allowlist if allowlist is not None else load_allowlist()
    allowed = {(e["file"], normalize_sql(e["statement"])): e for e in allowlist}
    used_allow: set[tuple[str, str]] = set()
    variables = session_variables()

    for path in files:
        try:
            statements = split_sql(path.read_text(), path.name)
        except ValueError as err:
            report.problems.append(str(err))
            continue
        for st in statements:
            report.statements += 1
            where = f"{st.file}:{st.line}"
            for name in re.findall(r"(?<![\w$])\$([A-Za-z_]\w*)", re.sub(r"'(?:[^']|'')*'", "''", st.text)):
                if name.lower() not in variables:
                    report.problems.append(f"{where}: ${name} is not SET in 00_variables.sql")
            key = (st.file, st.normalized)

            if re.match(r"^CREATE\s+(OR\s+REPLACE\s+)?PIPE\b", st.text, re.IGNORECASE):
                parts = _PIPE_SPLIT.split(st.text, maxsplit=1)
                if len(parts) != 2:
                    report.problems.append(f"{where}: CREATE PIPE without `AS COPY INTO`")
                    continue
                head, copy = parts
                if not _PIPE_HEAD.match(head.strip()):
                    report.problems.append(f"{where}: CREATE PIPE head not recognised: {normalize_sql(head)}")
                tree, error = parse_one(copy)
                if error or not isinstance(tree, exp.Copy):
                    report.problems.append(f"{where}: the pipe's COPY does not parse as COPY: "
                                           f"{error or type(tree).__name__}")
                    continue
                report.pipes += 1
                report.by_kind["Pipe (COPY parsed)"] = report.by_kind.get("Pipe (COPY parsed)", 0) + 1
                continue

            block = _BLOCK.match(st.text)
            if block:
                if key not in allowed:
                    report.problems.append(f"{where}: EXECUTE IMMEDIATE block is not in "
                                           f"snowflake/sqlglot-command-allowlist.json")
                else:
                    used_allow.add(key)
                selects = list(_BLOCK_SELECT.finditer(block.group("body")))
                if not selects:
                    report.problems.append(f"{where}: block has no `SELECT ... INTO :var;` to render")
                for m in selects:
                    tree, error = parse_one("SELECT " + m.group("expr"))
                    if error or not isinstance(tree, exp.Select):
                        report.problems.append(f"{where}: the block's SELECT does not parse: {error}")
                        continue
                    try:
                        ddl = evaluate_concat(tree.expressions[0], variables)
                    except (KeyError, ValueError) as err:
                        report.problems.append(f"{where}: cannot render the block's DDL: {err}")
                        continue
                    rendered, error = parse_one(ddl)
                    if error or rendered is None or is_command(rendered):
                        report.problems.append(f"{where}: the rendered DDL does not parse: "
                                               f"{error or 'generic Command'}: {ddl}")
                        continue
                    report.blocks += 1
                    kind = f"Block rendering {type(rendered).__name__} (parsed)"
                    report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
                continue

            tree, error = parse_one(st.text)
            if error:
                report.problems.append(f"{where}: does not parse: {error}: {st.normalized[:120]}")
                continue
            if is_command(tree):
                if key in allowed:
                    used_allow.add(key)
                    report.commands += 1
                    report.by_kind["Command (allowlisted)"] = report.by_kind.get("Command (allowlisted)", 0) + 1
                else:
                    report.problems.append(f"{where}: sqlglot keeps this only as a generic Command and "
                                           f"it is not in snowflake/sqlglot-command-allowlist.json: "
                                           f"{st.normalized}")
                continue
            report.parsed += 1
            kind = type(tree).__name__
            report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
            if key in allowed:
                used_allow.add(key)
                report.problems.append(f"{where}: listed in the allowlist but sqlglot parses it as "
                                       f"{kind}: remove the entry")

    checked_files = {p.name for p in files}
    for (file, statement), entry in allowed.items():
        if not entry.get("reason"):
            report.problems.append(f"allowlist entry for {file} has no reason: {statement[:80]}")
        if file in checked_files and (file, statement) not in used_allow:
            report.problems.append(f"stale allowlist entry ({file}): no such statement: {statement[:100]}")
    return report


def check_sql() -> Result:
    result = Result("sql")
    try:
        import sqlglot
    except ImportError:
        result.problems.append("sqlglot is not installed (pip install -r scripts/requirements-test.txt)")
        return result
    report = analyse_sql()
    result.problems.extend(report.problems)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(report.by_kind.items()))
    result.notes.append(
        f"sqlglot {sqlglot.__version__}: {report.statements} statements in {len(sql_files())} files: "
        f"{report.parsed} parsed as real expressions, {report.pipes} pipes (COPY parsed), "
        f"{report.blocks} EXECUTE IMMEDIATE blocks (rendered DDL parsed), "
        f"{report.commands} allowlisted generic Commands")
    result.notes.append(f"by kind: {kinds}")
    return result


# ------------------------------------------------------------------------ raw columns

def raw_columns_file(path: Path | None = None) -> list[tuple[str, str]]:
    path = path or SQL_DIR / "raw_columns.txt"
    columns = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, type_ = line.partition(" ")
        columns.append((name.strip(), type_.strip()))
    return columns


def raw_table_columns(sql_path: Path | None = None, table: str = "RAW_EVENTS") -> list[tuple[str, str]]:
    from sqlglot import exp
    sql_path = sql_path or SQL_DIR / "05_raw_table.sql"
    for st in split_sql(sql_path.read_text(), sql_path.name):
        tree, error = parse_one(st.text)
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            schema = tree.this
            if schema.this.name.upper() != table:
                continue
            return [(col.name, col.args["kind"].sql("snowflake"))
                    for col in schema.expressions if isinstance(col, exp.ColumnDef)]
    raise ValueError(f"{sql_path.name}: no CREATE TABLE {table}")


def compare_raw_columns(listed: list[tuple[str, str]], declared: list[tuple[str, str]]) -> list[str]:
    from sqlglot import exp
    problems = []

    def norm_type(t: str) -> str:
        return exp.DataType.build(t, dialect="snowflake").sql("snowflake")

    listed_n = [(n.lower(), norm_type(t)) for n, t in listed]
    declared_n = [(n.lower(), norm_type(t)) for n, t in declared]
    if listed_n != declared_n:
        problems.append("snowflake/raw_columns.txt differs from RAW_EVENTS in 05_raw_table.sql:\n"
                        f"  raw_columns.txt: {listed_n}\n  05_raw_table.sql: {declared_n}")
    return problems


def check_raw_columns() -> Result:
    result = Result("raw-columns")
    listed, declared = raw_columns_file(), raw_table_columns()
    result.problems.extend(compare_raw_columns(listed, declared))
    if result.ok:
        result.notes.append(f"raw_columns.txt matches RAW_EVENTS: {len(listed)} columns")
    return result


# ---------------------------------------------------------------------------- diagram

def check_diagram(directory: Path = DIAGRAM_DIR) -> Result:
    result = Result("diagram")
    source = directory / "architecture.dot"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    fix = "run `bash scripts/diagram.sh` and commit diagrams/"
    sha_file = directory / "architecture.dot.sha256"
    recorded = sha_file.read_text().split()[0] if sha_file.exists() and sha_file.read_text().split() else None
    if recorded != digest:
        result.problems.append(f"diagrams/architecture.dot changed since it was rendered "
                               f"(sha256 {digest}, recorded {recorded}): {fix}")
    svg = directory / "architecture.svg"
    marker = f"<!-- inlet-diagram-source-sha256: {digest} -->"
    if not svg.exists() or marker not in svg.read_text():
        result.problems.append(f"diagrams/architecture.svg was not rendered from the current source: {fix}")
    png = directory / "architecture.png"
    if not png.exists() or not png.read_bytes().startswith(b"\x89PNG"):
        result.problems.append(f"diagrams/architecture.png is missing: {fix}")
    if result.ok:
        result.notes.append(f"diagram source sha256 {digest[:16]}... matches the SVG and the .sha256 file")
    return result


# ------------------------------------------------------------------------------- main

CHECKS = {
    "cfn-lint": check_cfn_lint,
    "sam": check_sam_validate,
    "iam": check_iam,
    "iam-match": check_iam_match,
    "sql": check_sql,
    "raw-columns": check_raw_columns,
    "diagram": check_diagram,
}


def main(argv: list[str]) -> int:
    names = argv or list(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        print(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    for name in names:
        try:
            result = CHECKS[name]()
        except Exception as err:  # a check that crashes is a failed check
            result = Result(name, problems=[f"{type(err).__name__}: {err}"])
        if result.skipped:
            skipped += 1
            print(f"SKIP {name}: {result.skipped}")
        elif result.ok:
            passed += 1
            print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}")
        for note in result.notes:
            print(f"     {note}")
        for problem in result.problems:
            print("     - " + problem.replace("\n", "\n       "))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
