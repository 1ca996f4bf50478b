"""The early 413 is readable by every common client, on both servers (AGNO_SERVER=hypercorn and
uvicorn), against a real `session-svc serve`: an 11 MB upload over the 10 MiB default limit gets
the 413 JSON in http.client, urllib, requests, httpx and curl (with and without
`Expect: 100-continue`), the connection is closed after it, and a client that keeps sending an
over-limit body slowly is cut off at the linger bound (session_svc/middleware/lingering.py).
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import requests
import test_ops_process
from test_ops_process import Service

from session_svc.middleware.lingering import LINGER_SECONDS

LIMIT = 10 * 1024 * 1024  # AGNO_MAX_BODY_BYTES's default
UPLOAD = b"{" + b" " * (11_000_000 - 2) + b"}"
DETAIL = {"detail": f"Request body is larger than the limit of {LIMIT} bytes"}
start_service = test_ops_process.start_service  # the fixture: processes stopped by PID afterwards


@pytest.fixture(scope="module", params=["hypercorn", "uvicorn"])
def server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def service(server: str, pg_dsn: str, start_service: Callable[[dict[str, str]], Service]) -> Iterator[Service]:
    yield start_service({"AGNO_PG_DSN": pg_dsn, "AGNO_SERVER": server})


def _host_port(service: Service) -> tuple[str, int]:
    return "127.0.0.1", service.port


def test_http_client_reads_the_413_and_the_connection_closes(service: Service) -> None:
    conn = http.client.HTTPConnection(*_host_port(service), timeout=30)
    conn.request("POST", "/sessions", body=UPLOAD, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read()) == DETAIL
    assert response.getheader("connection") == "close"
    conn.close()


def test_urllib_reads_the_413(service: Service) -> None:
    request = urllib.request.Request(
        f"{service.url}/sessions", data=UPLOAD, headers={"Content-Type": "application/json"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 413 and json.loads(raised.value.read()) == DETAIL
    raised.value.close()


def test_requests_reads_the_413(service: Service) -> None:
    response = requests.post(
        f"{service.url}/sessions", data=UPLOAD, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413 and response.json() == DETAIL


def test_httpx_reads_the_413(service: Service) -> None:
    response = httpx.post(
        f"{service.url}/sessions", content=UPLOAD, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413 and response.json() == DETAIL


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("expect", ["Expect: 100-continue", "Expect:"])  # curl's default for big bodies, and none
def test_curl_reads_the_413(service: Service, tmp_path: Path, expect: str) -> None:
    upload = tmp_path / "upload.json"
    upload.write_bytes(UPLOAD)
    result = subprocess.run(
        ["curl", "-sS", "-H", "Content-Type: application/json", "-H", expect, "--data-binary", f"@{upload}",
         "-w", "\n%{http_code}", f"{service.url}/sessions"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body, status = result.stdout.rsplit("\n", 1)
    assert status == "413" and json.loads(body) == DETAIL


def _read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_client_sending_the_whole_body_reads_the_413_then_end_of_file(service: Service) -> None:
    sock = socket.create_connection(_host_port(service), timeout=30)
    head = (
        f"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(UPLOAD)}\r\n\r\n"
    )
    sock.sendall(head.encode() + UPLOAD)  # all of it, as http.client does, before reading a byte
    answer = _read_response(sock)  # ends in end of file: the server closed the connection
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == DETAIL


def test_a_slow_over_limit_sender_is_cut_off_at_the_linger_bound(service: Service) -> None:
    sock = socket.create_connection(_host_port(service), timeout=30)
    head = (
        f"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(UPLOAD)}\r\n\r\n"
    )
    sock.sendall(head.encode())
    sent_at = time.monotonic()
    cut_off: list[float] = []

    def trickle() -> None:  # 16 KB every 0.1 s: the 11 MB would take over a minute
        try:
            while time.monotonic() - sent_at < 30:
                sock.sendall(b" " * 16384)
                time.sleep(0.1)
        except OSError:  # the server closed the connection
            cut_off.append(time.monotonic() - sent_at)

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    answer = b""
    while b"}" not in answer:  # the whole 413 arrives at once, while the body is still coming
        answer += sock.recv(4096)
    answered_after = time.monotonic() - sent_at
    assert answer.startswith(b"HTTP/1.1 413") and json.loads(answer.split(b"\r\n\r\n", 1)[1]) == DETAIL
    try:
        rest = _read_response(sock)  # end of file (or a reset) once the bound is reached
    except ConnectionResetError:
        rest = b""
    closed_after = time.monotonic() - sent_at
    sender.join(10)
    sock.close()
    assert rest == b""
    assert answered_after < LINGER_SECONDS / 2, answered_after
    assert LINGER_SECONDS - 0.5 < closed_after < LINGER_SECONDS + 3, closed_after
    assert cut_off and cut_off[0] < LINGER_SECONDS + 5, cut_off


def test_a_streamed_body_over_the_limit_is_read_to_its_end_too(service: Service) -> None:
    """No Content-Length (chunked): the 413 comes when the chunks pass the limit, and the rest is
    still read, so http.client, which sends every chunk before reading, gets it."""
    conn = http.client.HTTPConnection(*_host_port(service), timeout=30)
    chunks = (UPLOAD[i : i + 1_000_000] for i in range(0, len(UPLOAD), 1_000_000))
    conn.request("POST", "/sessions", body=chunks, headers={"Content-Type": "application/json"}, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read()) == DETAIL
    conn.close()
