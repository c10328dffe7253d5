"""PubMed registry: efetch batches of 200, POST when long, esearch [doi], the API key."""

from __future__ import annotations

import pytest
from fakeregistry import FakeRegistry

from citeaudit.bib.http import Client
from citeaudit.bib.pubmed import PubMed
from citeaudit.errors import RegistryError


@pytest.fixture
def fake(data, monkeypatch):
    with FakeRegistry() as server:
        server.add_pubmed(*(data / "registry/pubmed").glob("*.xml"))
        yield server.use(monkeypatch)


def client(**kw) -> Client:
    return Client(sleep=lambda s: None, backoff=0.01, request_timeout=2.0, **kw)


def test_efetch_answers_each_pmid_and_marks_unknown_ones_missing(fake):
    answers = {a.identifier: a for a in PubMed().fetch(["29768149", "27797938", "1"], client(mailto="a@b.org"))}
    assert answers["1"].missing and answers["29768149"].body and answers["27797938"].body
    (request,) = fake.requests
    assert request.method == "GET" and request.query["id"] == ["29768149,27797938,1"]
    assert request.query["tool"] == ["citeaudit"] and request.query["email"] == ["a@b.org"]


def test_two_hundred_pmids_a_request_posted_when_long(fake):
    pmids = [str(10_000_000 + n) for n in range(450)]
    answers = PubMed().fetch(pmids, client())
    assert len(answers) == 450 and all(a.missing for a in answers)
    assert [r.method for r in fake.requests] == ["POST", "POST", "GET"]
    assert [len(r.form.get("id", r.query.get("id"))[0].split(",")) for r in fake.requests] == [200, 200, 50]


def test_esearch_finds_pmids_for_dois(fake):
    pmids = PubMed().search_dois(["10.1136/gutjnl-2016-312510", "10.1056/nejmoa1715274", "10.1000/none"], client())
    assert sorted(pmids) == ["27797938", "29768149"]
    term = fake.requests[0].query["term"][0]
    assert term == '"10.1136/gutjnl-2016-312510"[doi] OR "10.1056/nejmoa1715274"[doi] OR "10.1000/none"[doi]'


def test_esearch_error_is_a_registry_error(fake, monkeypatch):
    monkeypatch.setattr(fake, "answer", lambda *a: (200, "text/xml", b"<eSearchResult><ERROR>Invalid query</ERROR></eSearchResult>"))
    with pytest.raises(RegistryError, match="Invalid query"):
        PubMed().search_dois(["10.1000/a"], client())


def test_the_api_key_is_posted_never_in_a_url(fake, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "KEY-SECRET")
    PubMed().fetch(["29768149"], client())
    (request,) = fake.requests
    assert request.method == "POST" and request.form["api_key"] == ["KEY-SECRET"] and request.query == {}
    assert PubMed().requests_per_second == 10.0
    monkeypatch.delenv("NCBI_API_KEY")
    assert PubMed().requests_per_second == 3.0


def test_a_malformed_answer_fails_the_batch(fake):
    fake.fault("invalid", endpoint="efetch")
    answers = PubMed().fetch(["29768149"], client(retries=1))
    assert answers[0].error.reason == "malformed-response" and fake.count() == 2


def test_an_esummary_style_error_document_is_malformed(fake, data):
    fake.fault("html", endpoint="efetch")
    (answer,) = PubMed().fetch(["29768149"], client(retries=0))
    assert answer.error.reason == "malformed-response"


def test_parse_reads_a_stored_article(fake):
    (answer,) = PubMed().fetch(["36035816"], client())
    record = PubMed().parse("36035816", answer.body)
    assert record.work.doi == "10.1155/2022/9172719" and record.notices[0].kind == "retraction"
