"""A registry that drips its answer (headers, then one byte every 0.2 s) is cut off by the budget.

Every read returns well inside `request-timeout`, so only a deadline checked
while the body downloads (bib/http.py `Client._read_body`) stops it: the run
ends within `--timeout` and every reference gets CA308. The drip stops after
DRIP_SECONDS so a regression fails in seconds instead of hanging. The same
server checks the transport directly, and a gzip, chunked answer checks that
reading by `read1` still returns the whole body over one connection.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections import defaultdict

import pytest
from conftest import DATA, run_cli

from citeaudit.bib.http import Budget, Client
from citeaudit.errors import RegistryError

DRAFT = DATA / "registry/verify_draft.md"
REFERENCES = set(range(1, 8))
FAST = ["--plugin-option", "registry-backoff=0.01", "--plugin-option", "request-timeout=1",
        "--plugin-option", "registry-retries=0"]
BUDGET = 3.0
DRIP_SECONDS = 12.0


class Drip:
    """An HTTP server that sends its headers, then one byte of body every `interval` seconds.

    Each byte arrives well inside the per-request read timeout, so only the
    run's overall budget can stop the download. Given `answer`, it sends those
    bytes whole to every request of a kept-alive connection instead.
    """

    def __init__(self, interval: float = 0.2, answer: bytes | None = None) -> None:
        self.interval = interval
        self.answer = answer
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._drip, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self.answer is not None:
                while conn.recv(65536):
                    conn.sendall(self.answer)
                return
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            # Capped, so that while the bug stands this test fails in seconds instead of hanging.
            for _ in range(int(DRIP_SECONDS / self.interval)):
                if self._stop.is_set():
                    break
                conn.sendall(b" ")
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> Drip:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.sock.close()


def test_a_slow_drip_body_is_cut_off_by_the_budget(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    with Drip() as drip:
        monkeypatch.setenv("CITEAUDIT_CROSSREF_URL", drip.url + "/crossref")
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", drip.url + "/eutils")
        code, out, err = run_cli("check", str(DRAFT), "--cache-dir", str(tmp_path / "cache"),
                                 "--format", "json", "--fail-on", "never", "--select", "CA3",
                                 "--timeout", str(BUDGET), *FAST)
    assert code == 0, err
    assert drip.connections >= 1
    rules: dict[int, set[str]] = defaultdict(set)
    reasons = set()
    for finding in json.loads(out)["documents"][0]["findings"]:
        rules[finding["reference"]].add(finding["rule"])
        if finding["rule"] == "CA308":
            reasons.add(finding["evidence"]["reason"])
    assert {n for n, r in rules.items() if "CA308" in r} == REFERENCES
    # Cut off by a deadline: a drip left to its end (DRIP_SECONDS) breaks off mid-body instead.
    assert reasons == {"timeout"}, reasons


def test_the_transport_gives_up_on_a_drip_at_the_request_timeout():
    with Drip() as drip:
        with Client(budget=Budget(30), request_timeout=0.5, retries=1, backoff=0.01) as client:
            with pytest.raises(RegistryError) as info:
                client.get("crossref", drip.url + "/works", parse=json.loads)
    # A timeout, not the broken-off body the drip ends with: the deadline held during the body.
    assert info.value.reason == "timeout" and "gave up after 2 attempts" in str(info.value)
    assert client.requests == 2


def test_the_transport_gives_up_on_a_drip_when_the_budget_runs_out():
    with Drip() as drip:
        with Client(budget=Budget(0.6), request_timeout=20, retries=3, backoff=0.01) as client:
            with pytest.raises(RegistryError) as info:
                client.get("crossref", drip.url + "/works", parse=json.loads)
    # The budget, not the 20 s request timeout, ended it: no retry was left time to start.
    assert info.value.reason == "timeout" and client.requests == 1


def test_a_gzip_chunked_answer_is_read_whole_over_one_connection():
    payload = json.dumps({"message": {"items": [{"title": ["x" * 50]}] * 5000}}).encode()
    packed = gzip.compress(payload)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 1000]), packed[i:i + 1000])
                      for i in range(0, len(packed), 1000))
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    with Drip(answer=answer) as server:
        with Client(budget=Budget(10), request_timeout=2) as client:
            for _ in range(3):
                reply = client.get("crossref", server.url + "/works", parse=json.loads)
                assert reply.body == json.loads(payload)
    assert server.connections == 1 and client.requests == 3
