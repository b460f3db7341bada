"""Every body encoding, decoded by the shared receiver as Loki decodes it:
the same streams, lines and structured metadata, each push with a
Content-Length and not chunked."""

import time

import pytest
from testkit import Receiver

from runner_metrics import Client, CustomEvent, Encoding, Entry, Host, Integer, RunnerInstalled

# Recent: with `use_event_timestamp` the receiver, as Loki, refuses old entries.
NOW = int(time.time())
ENTRIES = [
    Entry(event=RunnerInstalled(timestamp=NOW + 0.25, flavor="small", duration=12), metadata=[("job_id", "42")]),
    Entry(event=CustomEvent(name="image_built", timestamp=NOW + 1, fields=[("size_mb", Integer(2048))])),
    Entry(event=RunnerInstalled(timestamp=NOW + 2, flavor="large", duration=1.5)),
]
STREAMS = [
    {
        "labels": [["job", "metrics"], ["event", "runner_installed"]],
        "lines": [
            f'{{"timestamp":{NOW}.25,"event":"runner_installed","flavor":"small","duration":12.0}}',
            f'{{"timestamp":{NOW + 2}.0,"event":"runner_installed","flavor":"large","duration":1.5}}',
        ],
        "metadata": [[["host", "runner-7"], ["job_id", "42"]], [["host", "runner-7"]]],
    },
    {
        "labels": [["job", "metrics"], ["event", "image_built"]],
        "lines": [f'{{"timestamp":{NOW + 1}.0,"event":"image_built","size_mb":2048}}'],
        "metadata": [[["host", "runner-7"]]],
    },
]
WIRE = {
    Encoding.JSON: ("application/json", None),
    Encoding.JSON_GZIP: ("application/json", "gzip"),
    Encoding.PROTOBUF: ("application/x-protobuf", None),
}


def test_every_encoding_is_covered() -> None:
    assert set(WIRE) == set(Encoding)


@pytest.mark.parametrize("encoding", list(Encoding), ids=[e.value for e in Encoding])
def test_an_encoding_carries_the_same_streams(host: Host, receiver: Receiver, encoding: Encoding) -> None:
    with Client(host, 
        endpoint=receiver.url, encoding=encoding, structured_metadata=[("host", "runner-7")], use_event_timestamp=True
    ) as client:
        client.issue(ENTRIES)
    (push,) = receiver.pushes()
    assert (push["content_type"], push["content_encoding"]) == WIRE[encoding]
    assert push["content_length"] == push["body_bytes"] > 0
    assert push["chunked"] is False
    got = [
        {
            "labels": s["labels"],
            "lines": [e["line"] for e in s["entries"]],
            "metadata": [e["metadata"] for e in s["entries"]],
        }
        for s in push["streams"]
    ]
    assert sorted(got, key=lambda s: s["labels"]) == sorted(STREAMS, key=lambda s: s["labels"])
    # use_event_timestamp: each entry's timestamp is its event's.
    stamps = {e["line"]: int(e["ts_ns"]) for s in push["streams"] for e in s["entries"]}
    assert stamps[STREAMS[1]["lines"][0]] == (NOW + 1) * 10**9
