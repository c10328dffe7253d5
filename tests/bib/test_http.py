"""The transport against a real loopback server: retries, timeouts, budget, secrets."""

from __future__ import annotations

import json

import pytest
from fakeregistry import FakeRegistry

from citeaudit.bib.http import Budget, Client, Malformed, retry_after
from citeaudit.errors import RegistryError

ITEM = {"DOI": "10.1000/x1", "title": ["A work"]}


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Malformed(str(exc)) from exc


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        server.add_work(ITEM)
        yield server


def client(**kw) -> tuple[Client, list[float]]:
    waits: list[float] = []
    kw.setdefault("backoff", 0.01)
    kw.setdefault("request_timeout", 2.0)
    return Client(sleep=waits.append, **kw), waits


def get(c: Client, fake: FakeRegistry, doi: str = "10.1000/x1", **params):
    return c.get("crossref", f"{fake.crossref_url}/works/{doi}", params=params or None, parse=_json)


def test_a_good_answer_is_parsed_and_counted(fake):
    c, waits = client()
    reply = get(c, fake)
    assert reply.status == 200 and reply.body["message"]["DOI"] == "10.1000/x1"
    assert c.requests == 1 and waits == []


def test_a_404_is_an_answer_not_an_error(fake):
    c, _ = client()
    reply = get(c, fake, "10.1000/none")
    assert reply.status == 404 and reply.body == b"Resource not found."


def test_connections_are_reused(fake):
    c, _ = client()
    for _ in range(4):
        get(c, fake)
    assert len({r.port for r in fake.requests}) == 1


def test_429_honours_retry_after_then_succeeds(fake):
    fake.fault("429", times=2, retry_after="7")
    c, waits = client(max_wait=30)
    assert get(c, fake).status == 200
    assert waits == [7.0, 7.0] and fake.count() == 3


def test_retry_after_beyond_the_budget_gives_up_at_once(fake):
    fake.fault("429", retry_after="120")
    c, waits = client(budget=Budget(10))
    with pytest.raises(RegistryError) as info:
        get(c, fake)
    assert info.value.reason == "rate-limited" and waits == [] and fake.count() == 1


@pytest.mark.parametrize("kind, reason", [
    ("500", "server-error"), ("503", "server-error"), ("truncated", "connection-error"),
    ("reset", "connection-error"), ("invalid", "malformed-response"), ("html", "malformed-response"),
    ("wrong-type", "malformed-response"), ("bad-utf8", "malformed-response"),
])
def test_each_fault_is_retried_then_becomes_a_registry_error(fake, kind, reason):
    fake.fault(kind, retry_after="0")
    c, waits = client(retries=2)
    with pytest.raises(RegistryError) as info:
        get(c, fake)
    assert info.value.reason == reason and info.value.registry == "crossref"
    assert fake.count() == 3 and len(waits) == 2


@pytest.mark.parametrize("kind", ["500", "truncated", "reset", "invalid", "html", "bad-utf8"])
def test_a_transient_fault_is_recovered_from(fake, kind):
    fake.fault(kind, times=1, retry_after="0")
    c, _ = client()
    assert get(c, fake).body["message"]["DOI"] == "10.1000/x1"
    assert fake.count() == 2


def test_a_slow_answer_times_out(fake):
    fake.fault("slow", delay=2.0)
    c, _ = client(request_timeout=0.2, retries=1)
    with pytest.raises(RegistryError) as info:
        get(c, fake)
    # An answer 2 s late would have been read: the 0.2 s timeout cut both attempts off.
    assert info.value.reason == "timeout" and c.requests == 2


def test_backoff_grows_exponentially(fake):
    fake.fault("500")
    c, waits = client(retries=3, backoff=1.0)
    with pytest.raises(RegistryError):
        get(c, fake)
    assert len(waits) == 3
    assert 1.0 <= waits[0] <= 1.25 and 2.0 <= waits[1] <= 2.5 and 4.0 <= waits[2] <= 5.0


def test_a_used_up_budget_sends_nothing(fake):
    now = [0.0]
    budget = Budget(5, clock=lambda: now[0])
    now[0] = 6.0
    c, _ = client(budget=budget)
    with pytest.raises(RegistryError) as info:
        get(c, fake)
    assert info.value.reason == "timeout" and fake.count() == 0


def test_other_statuses_are_final(fake):
    fake.fault("400")
    c, waits = client()
    with pytest.raises(RegistryError) as info:
        get(c, fake)
    assert info.value.reason == "http-400" and fake.count() == 1 and waits == []


def test_secrets_never_reach_the_error_message(fake):
    fake.fault("500")
    c, _ = client(retries=0)
    with pytest.raises(RegistryError) as info:
        get(c, fake, api_key="SECRET-KEY-123")
    assert "SECRET-KEY-123" not in str(info.value)
    assert fake.requests[0].query["api_key"] == ["SECRET-KEY-123"]


def test_rate_limit_spaces_requests(fake):
    # Sleep and clock are both fake, so the test measures no wall-clock time (issue 19, defect 10):
    # no time passes between requests, so each books the next half-second slot.
    c, waits = client(rates={"crossref": 2.0}, clock=lambda: 100.0)
    for _ in range(3):
        get(c, fake)
    assert waits == [0.5, 1.0]


def test_user_agent_carries_the_contact_address(fake):
    c, _ = client(mailto="lab@example.org")
    get(c, fake)
    agent = fake.requests[0].headers["User-Agent"]
    assert agent.startswith("citeaudit/") and "mailto:lab@example.org" in agent


def test_retry_after_reads_seconds_and_dates():
    assert retry_after("3") == 3.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
