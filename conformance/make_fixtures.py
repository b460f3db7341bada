#!/usr/bin/env python3
"""Writes fixtures.json: the language-neutral cases every host runs.

The built-in event cases come from runner-events.jsonl, which the Python
runner manager's own models produced. The other cases' expected values are
written here by hand from the contract (wit/, docs/); none is computed by the
component. Run it after editing either input; `scripts/test-all` checks that
fixtures.json is current (`--check`).
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
CASE_NAMES = {
    "runner_installed": "runner-installed",
    "runner_start": "runner-start",
    "runner_stop": "runner-stop",
    "reconciliation": "reconciliation",
}


def kebab(d):
    return {k.replace("_", "-"): v for k, v in d.items()}


def builtin(name, fields):
    return {CASE_NAMES[name]: kebab(fields)}


def custom(name, timestamp, fields):
    return {"custom": {"name": name, "timestamp": timestamp, "fields": fields}}


def labels(event, *extra):
    return [["job", "metrics"], *extra, ["event", event]]


def one_line(event_name, line, *extra_labels):
    return {"streams": [{"labels": labels(event_name, *extra_labels), "lines": [line]}]}


INSTALLED = builtin("runner_installed", {"timestamp": 1700000000.25, "flavor": "small", "duration": 12})
INSTALLED_LINE = '{"timestamp":1700000000.25,"event":"runner_installed","flavor":"small","duration":12.0}'
START = builtin("runner_start", {
    "timestamp": 1700000000, "flavor": "small", "workflow": "CI", "repo": "octo/hello",
    "github_event": "push", "idle": 3.5, "queue_duration": None,
})
START_LINE = ('{"timestamp":1700000000.0,"event":"runner_start","flavor":"small","workflow":"CI",'
              '"repo":"octo/hello","github_event":"push","idle":3.5}')


def entries(*events):
    return [{"event": e, "metadata": []} for e in events]


def with_field(event, key, value):
    (case, payload), = event.items()
    return {case: {**payload, key: value}}


def cases():
    out = []
    for i, raw in enumerate((HERE / "runner-events.jsonl").read_text().splitlines()):
        c = json.loads(raw)
        out.append({
            "name": f"runner-events.jsonl line {i + 1} ({c['event']})",
            "entries": entries(builtin(c["event"], c["fields"])),
            "expect": {"ok": True, "requests": [one_line(c["event"], c["line"])]},
        })

    out += [
        {
            "name": "custom event: every field kind, in order",
            "entries": entries(custom("image_built", 1700000000.5, [
                ["base", {"text": "noble"}], ["size_mb", {"integer": 2048}],
                ["cached", {"boolean": False}], ["ratio", {"number": 12}],
            ])),
            "expect": {"ok": True, "requests": [one_line(
                "image_built",
                '{"timestamp":1700000000.5,"event":"image_built","base":"noble","size_mb":2048,'
                '"cached":false,"ratio":12.0}')]},
        },
        {
            "name": "custom event: string escapes",
            "entries": entries(custom("escapes", 0, [["s", {"text": "q\" b\\ n\n t\t é 日本 c\u0001"}]])),
            "expect": {"ok": True, "requests": [one_line(
                "escapes", '{"timestamp":0.0,"event":"escapes","s":"q\\" b\\\\ n\\n t\\t é 日本 c\\u0001"}')]},
        },
        {
            "name": "static labels; a job label replaces the default",
            "options": {"labels": [["juju_unit", "github-runner/0"], ["job", "runners"]]},
            "entries": entries(START),
            "expect": {"ok": True, "requests": [{"streams": [{
                "labels": [["job", "runners"], ["juju_unit", "github-runner/0"], ["event", "runner_start"]],
                "lines": [START_LINE]}]}]},
        },
        {
            "name": "a batch is one request, one stream per event name",
            "entries": entries(INSTALLED, START, INSTALLED),
            "expect": {"ok": True, "requests": [{"streams": [
                {"labels": labels("runner_installed"), "lines": [INSTALLED_LINE, INSTALLED_LINE]},
                {"labels": labels("runner_start"), "lines": [START_LINE]},
            ]}]},
        },
        {
            "name": "json-gzip carries the same stream",
            "options": {"encoding": "json-gzip"},
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [{
                "headers": {"content-type": "application/json", "content-encoding": "gzip"},
                **one_line("runner_installed", INSTALLED_LINE)}]},
        },
        {
            "name": "tenant and bearer token headers",
            "options": {"tenant": "team-a", "auth": {"bearer": "tok-123"}},
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [{
                "headers": {"x-scope-orgid": "team-a", "authorization": "Bearer tok-123"},
                **one_line("runner_installed", INSTALLED_LINE)}]},
        },
        {
            "name": "basic auth header",
            "options": {"auth": {"basic": {"user": "Aladdin", "password": "open sesame"}}},
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [{
                "headers": {"authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
                **one_line("runner_installed", INSTALLED_LINE)}]},
        },
        {
            "name": "structured metadata from the config",
            "options": {"structured-metadata": [["host", "runner-7"]]},
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [{"streams": [{
                "labels": labels("runner_installed"), "lines": [INSTALLED_LINE],
                "metadata": [[["host", "runner-7"]]]}]}]},
        },
    ]

    invalid_events = [
        ("negative duration", with_field(INSTALLED, "duration", -1), "duration"),
        ("NaN idle", with_field(START, "idle", "NaN"), "idle"),
        ("infinite timestamp", with_field(START, "timestamp", "Infinity"), "timestamp"),
        ("negative infinite queue duration", with_field(START, "queue-duration", "-Infinity"), "queue_duration"),
        ("negative runner count", builtin("reconciliation", {
            "timestamp": 1, "flavor": "small", "crashed_runners": -1, "idle_runners": 0,
            "active_runners": 0, "expected_runners": 0, "duration": 1}), "crashed_runners"),
        ("custom name not snake_case", custom("Bad", 1, []), "name"),
        ("custom name of a built-in event", custom("runner_start", 1, []), "name"),
        ("duplicate custom key", custom("ok", 1, [["a", {"integer": 1}], ["a", {"integer": 2}]]), "fields[1]"),
        ("reserved custom key", custom("ok", 1, [["event", {"text": "x"}]]), "fields[0]"),
        ("non-finite custom number", custom("ok", 1, [["x", {"number": "NaN"}]]), "fields[0].x"),
    ]
    for name, event, field in invalid_events:
        out.append({
            "name": f"invalid event: {name}",
            "entries": entries(event),
            "expect": {"error": {"case": "invalid-event", "field": f"entries[0].{field}"}, "requests": []},
        })
    out.append({
        "name": "invalid event in a batch: nothing is sent",
        "entries": entries(INSTALLED, START, with_field(INSTALLED, "duration", -2)),
        "expect": {"error": {"case": "invalid-event", "field": "entries[2].duration"}, "requests": []},
    })

    invalid_configs = [
        ("zero timeout", {"timeout-ms": 0}, "timeout-ms"),
        ("endpoint scheme", {"endpoint": "ftp://localhost/loki/api/v1/push"}, "endpoint"),
        ("endpoint port with a letter", {"endpoint": "http://127.0.0.1:31OO/loki/api/v1/push"}, "endpoint"),
        ("endpoint port past 65535", {"endpoint": "http://127.0.0.1:99999/loki/api/v1/push"}, "endpoint"),
        ("endpoint with an empty port", {"endpoint": "http://127.0.0.1:/loki/api/v1/push"}, "endpoint"),
        ("endpoint with a negative port", {"endpoint": "http://127.0.0.1:-1/loki/api/v1/push"}, "endpoint"),
        ("endpoint with an unclosed IPv6 address", {"endpoint": "http://[::1/loki/api/v1/push"}, "endpoint"),
        ("endpoint with no host", {"endpoint": "http://:3100/loki/api/v1/push"}, "endpoint"),
        ("endpoint port with a leading zero", {"endpoint": "http://127.0.0.1:03100/loki/api/v1/push"}, "endpoint"),
        ("endpoint host with an empty label", {"endpoint": "http://loki..local:3100/loki/api/v1/push"}, "endpoint"),
        ("endpoint with a password and no scheme", {"endpoint": "u:s3cr3t@127.0.0.1:3100/loki/api/v1/push"}, "endpoint"),
        ("endpoint with a user and password",
         {"endpoint": "http://admin:hunter2@127.0.0.1:3100/loki/api/v1/push"}, "endpoint"),
        ("endpoint password holding a ?",
         {"endpoint": "http://admin:hun?ter2@127.0.0.1:3100/loki/api/v1/push"}, "endpoint"),
        ("endpoint query with a character a URL must encode",
         {"endpoint": "http://127.0.0.1:3100/loki/api/v1/push?tag=a\"b"}, "endpoint"),
        ("reserved label name", {"labels": [["__name__", "x"]]}, "labels[0].name"),
        ("event label", {"labels": [["event", "x"]]}, "labels[0].name"),
        ("tenant", {"tenant": "a|b"}, "tenant"),
        ("header owned by the component", {"headers": [["Content-Type", "text/plain"]]}, "headers[0].name"),
        ("header value outside visible ASCII", {"headers": [["X-Currency", "€uro"]]}, "headers[0].value"),
        ("header value with outer space", {"headers": [["X-Padded", " v "]]}, "headers[0].value"),
        ("bearer token with a space", {"auth": {"bearer": "two words"}}, "auth.bearer"),
        ("basic user with a colon", {"auth": {"basic": {"user": "a:b", "password": "p"}}}, "auth.basic.user"),
        ("empty basic user", {"auth": {"basic": {"user": "", "password": "p"}}}, "auth.basic.user"),
        ("structured metadata name twice",
         {"structured-metadata": [["host", "a"], ["host", "b"]]}, "structured-metadata[1].name"),
        ("max backoff below min", {"min-backoff-ms": 2000, "max-backoff-ms": 1000}, "max-backoff-ms"),
        ("a spool bound with no spool", {"spool-max-bytes": 1048576}, "spool-max-bytes"),
        ("max line bytes below 1024", {"max-line-bytes": 10}, "max-line-bytes"),
    ]
    for name, config, field in invalid_configs:
        out.append({
            "name": f"invalid config: {name}",
            "options": config,
            "entries": entries(INSTALLED),
            "expect": {"error": {"case": "invalid-config", "field": field}, "requests": []},
        })
    out.append({
        "name": "an event whose line is over max-line-bytes",
        "options": {"max-line-bytes": 1024},
        "entries": entries(with_field(INSTALLED, "flavor", "x" * 1100)),
        "expect": {"error": {"case": "invalid-event", "field": "entries[0].event"}, "requests": []},
    })
    out.append({
        "name": "entry metadata with a bad name",
        "entries": [{"event": INSTALLED, "metadata": [["bad-name", "x"]]}],
        "expect": {"error": {"case": "invalid-event", "field": "entries[0].metadata[0].name"}, "requests": []},
    })

    out += [
        {
            "name": "400 with a body is rejected, not retried",
            "options": {"max-attempts": 3, "min-backoff-ms": 1, "max-backoff-ms": 1},
            "replies": [{"status": 400, "body": "entry out of order"}],
            "entries": entries(INSTALLED),
            "expect": {"error": {"case": "rejected", "status": 400, "body": "entry out of order",
                                 "retry-after-ms": None}, "requests": [], "attempts": 1},
        },
        {
            "name": "429 with Retry-After and no retries left",
            "replies": [{"status": 429, "headers": {"Retry-After": "1"}, "body": "rate limited"}],
            "entries": entries(INSTALLED),
            "expect": {"error": {"case": "rejected", "status": 429, "body": "rate limited",
                                 "retry-after-ms": 1000}, "requests": [], "attempts": 1},
        },
        {
            "name": "500 is rejected after the only attempt",
            "replies": [{"status": 500, "body": ""}],
            "entries": entries(INSTALLED),
            "expect": {"error": {"case": "rejected", "status": 500, "body": ""}, "requests": [], "attempts": 1},
        },
        {
            "name": "503 twice, then accepted",
            "options": {"max-attempts": 3, "min-backoff-ms": 1, "max-backoff-ms": 1},
            "replies": [{"status": 503, "body": ""}, {"status": 503, "body": ""}],
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [one_line("runner_installed", INSTALLED_LINE)], "attempts": 3},
        },
        {
            "name": "a 2xx other than 204 is accepted",
            "replies": [{"status": 200, "body": "ok"}],
            "entries": entries(INSTALLED),
            "expect": {"ok": True, "requests": [one_line("runner_installed", INSTALLED_LINE)]},
        },
        {
            "name": "nothing listening",
            "options": {"endpoint": "$CLOSED"},
            "entries": entries(INSTALLED),
            "expect": {"error": {"case": "transport", "code": "connection-refused"}, "requests": []},
        },
    ]
    return out


def error_texts():
    """Every WIT `error` case, WIT-shaped, and its one text: what the
    component writes to `stats.last-error` and every host's message says."""
    invalid = {"field": "entries[3].duration", "reason": "must be finite and >= 0, got NaN"}
    return [
        {"error": {"invalid-event": invalid},
         "text": "invalid event: entries[3].duration: must be finite and >= 0, got NaN"},
        {"error": {"invalid-config": {"field": "timeout-ms", "reason": "must be 1 to 600000, got 0"}},
         "text": "invalid config: timeout-ms: must be 1 to 600000, got 0"},
        {"error": {"transport": {"code": "connection-refused", "detail": None}},
         "text": "transport failure: connection-refused"},
        {"error": {"transport": {"code": "DNS-error", "detail": "address not available"}},
         "text": "transport failure: DNS-error (address not available)"},
        {"error": {"timeout": 5000}, "text": "no answer within 5000 ms"},
        {"error": {"rejected": {"status": 400, "body": "entry out of order\n", "retry-after-ms": None}},
         "text": "the receiver answered 400: entry out of order"},
        {"error": {"rejected": {"status": 429, "body": "slow down", "retry-after-ms": 1500}},
         "text": "the receiver answered 429 (retry after 1500 ms): slow down"},
        {"error": {"rejected": {"status": 503, "body": " \n", "retry-after-ms": None}},
         "text": "the receiver answered 503"},
        {"error": {"storage": {"path": "/spool/x.tmp", "detail": "no space left on device"}},
         "text": "storage failure: /spool/x.tmp: no space left on device"},
        {"error": {"spooled": {"events": 3, "cause": "transport failure: connection-refused"}},
         "text": "3 events spooled after: transport failure: connection-refused"},
    ]


def main():
    doc = {
        "format": "runner-metrics fixtures v2 (github-runner:metrics@0.2.0); see README.md in this directory",
        "cases": cases(),
        "error-texts": error_texts(),
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    target = HERE / "fixtures.json"
    if "--check" in sys.argv:
        if target.read_text() != text:
            sys.exit("conformance/fixtures.json is stale: run conformance/make_fixtures.py")
        return
    target.write_text(text)


if __name__ == "__main__":
    main()
