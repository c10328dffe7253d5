"""Crossref registry: filter batches, single 404 probes, crossref-commons conventions."""

from __future__ import annotations

import json

import pytest
from fakeregistry import FakeRegistry

from citeaudit.bib.crossref import MAX_QUERY, Crossref, crossref_headers
from citeaudit.bib.http import Client


@pytest.fixture
def fake(data, monkeypatch):
    monkeypatch.setenv("HOME", str(data))  # no ~/.crapi_key of the developer's
    for name in ("CR_API_PLUS", "CR_API_MAILTO", "CR_API_AGENT"):
        monkeypatch.delenv(name, raising=False)
    with FakeRegistry() as server:
        server.add_crossref(*(data / "registry/crossref").glob("*.json"))
        yield server.use(monkeypatch)


def client(**kw) -> Client:
    return Client(sleep=lambda s: None, backoff=0.01, request_timeout=2.0, **kw)


def test_one_request_for_many_dois(fake):
    dois = ["10.1038/nnano.2014.279", "10.1016/j.addr.2015.01.008", "10.1038/srep16696"]
    answers = Crossref().fetch(dois, client())
    assert sorted(a.identifier for a in answers) == sorted(dois)
    assert all(a.body and a.error is None for a in answers)
    assert fake.count() == 1 and fake.count("works") == 1
    (request,) = fake.requests
    assert request.query["filter"] == [",".join(f"doi:{d}" for d in dois)] and request.query["rows"] == ["3"]


def test_a_doi_missing_from_the_batch_is_probed_alone(fake):
    answers = {a.identifier: a for a in Crossref().fetch(["10.1038/nnano.2014.279", "10.1371/notarealdoi"], client())}
    assert answers["10.1371/notarealdoi"].missing
    assert not answers["10.1038/nnano.2014.279"].missing
    assert [r.endpoint for r in fake.requests] == ["works", "work"]
    assert fake.requests[1].path == "/crossref/works/10.1371%2Fnotarealdoi"


def test_an_alias_is_found_by_the_probe(fake):
    item = json.loads(json.dumps(fake.works["10.1038/srep16696"]))
    fake.works["10.9999/alias"] = item  # the filter matches the item's own DOI only
    answers = {a.identifier: a for a in Crossref().fetch(["10.9999/alias"], client())}
    assert json.loads(answers["10.9999/alias"].body)["DOI"] == "10.1038/srep16696"


def test_batches_split_by_url_length():
    dois = [f"10.1016/j.jaad.2017.09.{n:04d}" for n in range(200)]
    batches = Crossref().batches(dois, {})
    assert 2 <= len(batches) <= 3 and [d for b in batches for d in b] == dois
    import urllib.parse
    for batch in batches:
        query = urllib.parse.urlencode({"filter": ",".join(f"doi:{d}" for d in batch), "rows": str(len(batch))})
        assert len(query) <= MAX_QUERY


def test_a_failed_batch_fails_only_its_dois(fake):
    fake.fault("500", endpoint="works", match="doi:10.1038/nnano")
    fake.fault("500", endpoint="work")
    crossref = Crossref()
    answers = crossref.fetch(["10.1038/nnano.2014.279", "10.1038/srep16696"], client(retries=1))
    errors = {a.identifier: a.error.reason for a in answers if a.error}
    assert errors == {"10.1038/nnano.2014.279": "server-error", "10.1038/srep16696": "server-error"}
    fake.clear()
    answers = crossref.fetch(["10.1038/srep16696"], client())
    assert answers[0].body


def test_a_doi_with_a_comma_goes_alone(fake):
    answers = Crossref().fetch(["10.1002/(sici)1097-0258(19980815/30)17:15/16<1661::aid-sim968>3.0.co;2-2,x"], client())
    assert answers[0].missing and [r.endpoint for r in fake.requests] == ["work"]


def test_polite_pool_and_plus_token(fake, monkeypatch):
    monkeypatch.setenv("CR_API_PLUS", "tok-123")
    Crossref().fetch(["10.1038/srep16696"], client(mailto="lab@example.org"))
    request = fake.requests[0]
    assert request.headers["Crossref-Plus-API-Token"] == "Bearer tok-123"
    assert request.query["mailto"] == ["lab@example.org"]
    assert "tok-123" not in request.path and "tok-123" not in json.dumps(request.query)


def test_crossref_commons_mailto_is_a_fallback(fake, monkeypatch):
    monkeypatch.setenv("CR_API_MAILTO", "team@example.org")
    assert crossref_headers() == {"Mailto": "team@example.org"}
    Crossref().fetch(["10.1038/srep16696"], client())
    assert fake.requests[0].query["mailto"] == ["team@example.org"]


def test_parse_reads_a_stored_item(fake):
    (answer,) = Crossref().fetch(["10.1038/srep16696"], client())
    record = Crossref().parse("10.1038/srep16696", answer.body, 5.0)
    assert record.work.journal == "Scientific Reports" and record.fetched_at == 5.0


def test_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("CITEAUDIT_CROSSREF_URL", "http://127.0.0.1:1/x/")
    assert Crossref().base_url == "http://127.0.0.1:1/x"
    monkeypatch.delenv("CITEAUDIT_CROSSREF_URL")
    assert Crossref().base_url == "https://api.crossref.org"
