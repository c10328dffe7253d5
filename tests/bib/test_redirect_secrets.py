"""Secrets stay with their registry: a redirect to another host is never followed.

Two loopback servers are two origins: the registry on 127.0.0.1 and an
impostor on 127.0.0.2 holding the same records. For every redirect status,
GET (Crossref, with the Plus token and mailto) and POST (E-utilities, with
the NCBI api_key and email in the body), the impostor must receive nothing,
and the run must not use its data: the references get CA308.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, run_cli
from fakeregistry import FakeRegistry

from citeaudit.bib.http import Budget, Client, same_origin
from citeaudit.errors import RegistryError

VERIFY = DATA / "registry/verify_draft.md"
NCBI_KEY = "ncbi0secret0key0redirect42"
PLUS_TOKEN = "plus0secret0token0redirect42"
MAILTO = "secret.author@example.org"
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "registry-retries=1",
        "--plugin-option", "request-timeout=5"]
CODES = (301, 302, 303, 307, 308)


def _serve(host: str) -> FakeRegistry:
    server = FakeRegistry(host=host).start()
    server.add_crossref(*(DATA / "registry/crossref").glob("*.json"))
    server.add_pubmed(*(DATA / "registry/pubmed").glob("*.xml"))
    return server


@pytest.fixture
def registry(monkeypatch):
    server = _serve("127.0.0.1")
    yield server.use(monkeypatch)
    server.stop()


@pytest.fixture
def impostor():
    server = _serve("127.0.0.2")
    yield server
    server.stop()


def _seen_by(server: FakeRegistry) -> str:
    return "\n".join(json.dumps([r.method, r.path, r.query, r.form, r.headers]) for r in server.requests)


@pytest.mark.parametrize("code", CODES)
def test_a_cross_host_redirect_is_not_followed_and_no_secret_reaches_the_other_host(
        registry, impostor, monkeypatch, tmp_path, code):
    monkeypatch.setenv("NCBI_API_KEY", NCBI_KEY)
    monkeypatch.setenv("CR_API_PLUS", PLUS_TOKEN)
    registry.fault("redirect", code=code, to=impostor.url)
    code_, out, err = run_cli("check", str(VERIFY), "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                              "--fail-on", "never", "--select", "CA3", "--mailto", MAILTO, *FAST)
    assert code_ == 0, err
    assert impostor.requests == []
    # The registry itself was asked, with the secrets: their absence at the impostor means something.
    seen = _seen_by(registry)
    assert PLUS_TOKEN in seen and NCBI_KEY in seen and MAILTO in seen
    findings = [f for d in json.loads(out)["documents"] for f in d["findings"]]
    unavailable = [f for f in findings if f["rule"] == "CA308"]
    assert unavailable and all("redirect" in f["message"] for f in unavailable)
    # nothing from the impostor's data: each reference unverified (CA308), each registry failing (CA309)
    assert {f["rule"] for f in findings} == {"CA308", "CA309"}
    assert PLUS_TOKEN not in out + err and NCBI_KEY not in out + err


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_transport_refuses_every_cross_origin_redirect(registry, impostor, code, method):
    registry.fault("redirect", code=code, to=impostor.url)
    with Client(budget=Budget(10.0), request_timeout=5.0, retries=1, backoff=0.01, mailto=MAILTO) as client:
        with pytest.raises(RegistryError) as raised:
            client.request("pubmed", method, registry.eutils_url + "/efetch.fcgi",
                           params={"id": "1"} if method == "GET" else None,
                           data={"id": "1", "api_key": NCBI_KEY} if method == "POST" else None,
                           headers={"Crossref-Plus-API-Token": "Bearer " + PLUS_TOKEN}, parse=lambda b: b)
    assert raised.value.reason == "redirected" and "127.0.0.2" in str(raised.value)
    assert registry.count() == 2  # retried once, per the retry policy
    assert impostor.requests == []


@pytest.mark.parametrize("code", CODES)
def test_a_redirect_within_the_registry_is_followed_with_its_credentials(registry, code):
    registry.fault("redirect", code=code, to=registry.url, times=1)
    with Client(budget=Budget(10.0), request_timeout=5.0, retries=0, mailto=MAILTO) as client:
        reply = client.get("crossref", registry.crossref_url + "/works/10.1038%2Fnnano.2014.279",
                           headers={"Crossref-Plus-API-Token": "Bearer " + PLUS_TOKEN},
                           parse=json.loads)
    assert reply.status == 200 and reply.body["message"]["DOI"].lower() == "10.1038/nnano.2014.279"
    assert [r.headers.get("Crossref-Plus-API-Token") for r in registry.requests] == ["Bearer " + PLUS_TOKEN] * 2


def test_endless_redirects_within_the_registry_are_a_fault(registry):
    registry.fault("redirect", code=302, to=registry.url)
    with Client(budget=Budget(10.0), request_timeout=5.0, retries=0) as client:
        with pytest.raises(RegistryError) as raised:
            client.get("crossref", registry.crossref_url + "/works", parse=json.loads)
    assert raised.value.reason == "redirected" and registry.count() == 6


@pytest.mark.parametrize(("asked", "target", "same"), [
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b?x=1", True),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a", False),
    ("http://127.0.0.1:8000/a", "http://127.0.0.2:8000/a", False),
    ("https://api.crossref.org/works", "https://API.crossref.org/works/x", True),
    ("https://api.crossref.org/works", "http://api.crossref.org/works", False),
    ("http://api.crossref.org/works", "https://api.crossref.org/works", True),
    ("https://api.crossref.org/works", "https://api.crossref.org.evil.test/works", False),
    ("https://api.crossref.org/works", "https://user@evil.test/api.crossref.org", False),
    ("https://api.crossref.org/works", "https://api.crossref.org:99999/x", False),
    ("https://api.crossref.org/works", "//evil.test/x", False),
])
def test_same_origin(asked, target, same):
    assert same_origin(asked, target) is same
