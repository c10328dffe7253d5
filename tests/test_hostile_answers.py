"""Registry answers of the wrong shape or size end as a malformed answer (retried, then CA308),
never as a traceback, and never run past the budget."""

from __future__ import annotations

import gzip
import json

import pytest
from fakeregistry import FakeRegistry

from citeaudit.bib.http import Budget, Client, retry_after
from citeaudit.errors import RegistryError
from citeaudit.limits import MAX_REGISTRY_ANSWER_BYTES


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        yield server


def _get(fake: FakeRegistry, **kw):
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=1, backoff=0.01, **kw) as client:
        return client.get("crossref", fake.crossref_url + "/works", params={"rows": "1"}, parse=json.loads)


@pytest.mark.parametrize("value", ["²", "٣", "1²", "𝟗", " ", "9" * 5000, "Fri, 99 Foo 99999 99:99:99 GMT",
                                   "Mon, 01 Jan 10000 00:00:00 GMT", "\x00", "-1", "1e9", "nan"])
def test_retry_after_of_any_text_is_a_number_or_none(value):
    wait = retry_after(value)
    assert wait is None or wait >= 0


@pytest.mark.parametrize("value", ["²", "¹³", "9" * 5000])  # latin-1: what a header can carry
def test_a_hostile_retry_after_is_a_registry_error_not_a_traceback(fake, value):
    fake.fault("429", retry_after=value)
    with pytest.raises(RegistryError) as raised:
        _get(fake)
    assert raised.value.reason == "rate-limited"


def test_a_gzip_bomb_is_cut_off_at_the_answer_limit(fake):
    bomb = gzip.compress(b" " * (MAX_REGISTRY_ANSWER_BYTES + 1024 * 1024), compresslevel=9)
    assert len(bomb) < MAX_REGISTRY_ANSWER_BYTES // 100
    fake.fault("raw", code=200, body=bomb, headers={"Content-Encoding": "gzip",
                                                    "Content-Type": "application/json"})
    with pytest.raises(RegistryError) as raised:
        _get(fake)
    assert raised.value.reason == "malformed-response" and "MiB" in str(raised.value)
    assert fake.count() == 2


def test_an_endless_answer_is_cut_off_at_the_answer_limit(fake):
    fake.fault("endless")
    with pytest.raises(RegistryError) as raised:
        _get(fake)
    assert raised.value.reason == "malformed-response" and "MiB" in str(raised.value)


def test_an_answer_just_under_the_limit_is_read(fake):
    payload = json.dumps({"message": {"items": [], "pad": "x" * (1024 * 1024)}}).encode()
    fake.fault("raw", code=200, body=gzip.compress(payload), headers={"Content-Encoding": "gzip"})
    reply = _get(fake)
    assert reply.status == 200 and len(reply.body["message"]["pad"]) == 1024 * 1024
