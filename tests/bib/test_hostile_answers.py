"""Registry answers of the wrong shape or size end as a malformed answer (retried, then CA308),
never as a traceback, and never run past the budget."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import DATA, run_cli
from fakeregistry import FakeRegistry

from citeaudit.bib import crossref
from citeaudit.bib.http import Budget, Client, retry_after
from citeaudit.bib.pubmed import PubMed
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


# -- answers of the wrong shape, through a whole run --------------------------------------

VERIFY = DATA / "registry/verify_draft.md"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "registry-retries=1",
        "--plugin-option", "request-timeout=5"]
DOI = "10.1038/nnano.2014.279"


TYPE_CONFUSION = {
    "author-strings": {"DOI": DOI, "author": ["Kuschel T", "Reiss G"]},
    "page-int": {"DOI": DOI, "page": 22},
    "volume-inf": {"DOI": DOI, "volume": 1e400},
    "relation-list": {"DOI": DOI, "relation": ["is-retracted-by"]},
    "relation-targets-str": {"DOI": DOI, "relation": {"is-retracted-by": "10.1/x"}},
    "updated-by-dict": {"DOI": DOI, "updated-by": {"type": "retraction"}},
    "updated-by-str-items": {"DOI": DOI, "updated-by": ["retraction"]},
    "abstract-list": {"DOI": DOI, "abstract": ["<p>a</p>"]},
    "title-dict": {"DOI": DOI, "title": {"en": "x"}},
    "issued-str": {"DOI": DOI, "issued": "2015"},
    "year-huge": {"DOI": DOI, "issued": {"date-parts": [[10 ** 4000]]}},
    "year-unicode": {"DOI": DOI, "issued": {"date-parts": [["²⁰¹⁵"]]}},
    "journal-issue-list": {"DOI": DOI, "journal-issue": []},
    "title-huge": {"DOI": DOI, "title": ["T" * 2_000_000]},
}


@pytest.mark.parametrize("item", TYPE_CONFUSION.values(), ids=TYPE_CONFUSION.keys())
def test_crossref_type_confusion_is_retried_then_ca308(recorded_registry, tmp_path, item):
    body = json.dumps({"status": "ok", "message": {"items": [item]}}).encode()
    fault = recorded_registry.fault("raw", endpoint="works", code=200, body=body,
                                    headers={"Content-Type": "application/json"})
    recorded_registry.fault("raw", endpoint="work", code=200, body=body,
                            headers={"Content-Type": "application/json"})
    code, out, err = run_cli("check", str(VERIFY), "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                             "--fail-on", "never", "--select", "CA3", *FAST)
    assert code == 0, err
    assert fault.hits == 2  # retried once, per the retry policy
    findings = [f for d in json.loads(out)["documents"] for f in d["findings"]]
    crossref = [f for f in findings if f["rule"] == "CA308" and "crossref" in f["message"].lower()]
    assert crossref and all("malformed" in f["message"] for f in crossref)


def test_json_nested_100000_deep_is_a_malformed_answer(fake):
    fake.fault("raw", code=200, body=b"[" * 100_000 + b"]" * 100_000)
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=1, backoff=0.01) as client:
        with pytest.raises(RegistryError) as raised:
            client.get("crossref", fake.crossref_url + "/works", parse=crossref._list)
    assert raised.value.reason == "malformed-response" and "deeper" in str(raised.value)


def _pubmed_answer(title: bytes) -> bytes:
    article = next((DATA / "registry/pubmed").glob("*.xml")).read_bytes()
    start, end = article.index(b"<ArticleTitle>") + len(b"<ArticleTitle>"), article.index(b"</ArticleTitle>")
    article = article[:start] + title + article[end:]
    if b"<PubmedArticleSet>" not in article:
        article = b"<PubmedArticleSet>" + article[article.index(b"<PubmedArticle>"):] + b"</PubmedArticleSet>"
    return article


def test_a_ten_megabyte_efetch_title_is_a_malformed_answer(fake):
    title = b"<i>T</i>" * 1_300_000  # 10 MB, split by markup so no single text node is long
    fake.fault("raw", code=200, body=_pubmed_answer(title), headers={"Content-Type": "text/xml"})
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=1, backoff=0.01) as client:
        answers = PubMed(fake.eutils_url).fetch(["29768149"], client)
    assert answers[0].error is not None and answers[0].error.reason == "malformed-response"
    assert "over 100,000" in str(answers[0].error) and fake.count() == 2


def test_forty_thousand_esearch_ids_are_a_malformed_answer(fake):
    ids = "".join(f"<Id>{n}</Id>" for n in range(10_000_000, 10_040_000)).encode()
    body = b"<eSearchResult><Count>40000</Count><IdList>" + ids + b"</IdList></eSearchResult>"
    fake.fault("raw", code=200, body=body, headers={"Content-Type": "text/xml"})
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=1, backoff=0.01) as client:
        with pytest.raises(RegistryError) as raised:
            PubMed(fake.eutils_url).search_dois(["10.1/a", "10.1/b"], client)
    assert raised.value.reason == "malformed-response" and "40,000 ids" in str(raised.value)


def test_esearch_ids_that_are_not_pmids_are_a_malformed_answer(fake):
    body = b"<eSearchResult><IdList><Id>\xc2\xb2</Id><Id>" + b"9" * 5000 + b"</Id></IdList></eSearchResult>"
    fake.fault("raw", code=200, body=body, headers={"Content-Type": "text/xml"})
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=0) as client:
        with pytest.raises(RegistryError) as raised:
            PubMed(fake.eutils_url).search_dois(["10.1/a"], client)
    assert raised.value.reason == "malformed-response"


def test_adding_found_pmids_to_the_work_list_is_linear():
    """40,000 found PMIDs against 40,000 asked: a list membership test made this 1.6e9 steps."""
    from citeaudit.bib import metadata

    class Searcher:
        calls = 0

        def search_dois(self, dois, client):
            return [str(n) for n in range(1, 40_001)] * 2

    todo = [str(n) for n in range(20_001, 60_001)]
    found = metadata._search(Searcher(), ["10.1/a"], None, todo)
    assert len(found) == 80_000 and len(todo) == 60_000 and len(set(todo)) == 60_000


def test_more_efetch_articles_than_asked_for_are_a_malformed_answer(fake):
    article = next((DATA / "registry/pubmed").glob("*.xml")).read_bytes()
    one = article[article.index(b"<PubmedArticle>"):article.rindex(b"</PubmedArticle>") + len(b"</PubmedArticle>")]
    fake.fault("raw", code=200, body=b"<PubmedArticleSet>" + one * 500 + b"</PubmedArticleSet>",
               headers={"Content-Type": "text/xml"})
    with Client(budget=Budget(30.0), request_timeout=20.0, retries=0) as client:
        answers = PubMed(fake.eutils_url).fetch(["29768149"], client)
    assert answers[0].error is not None and "500 articles where at most 1" in str(answers[0].error)
