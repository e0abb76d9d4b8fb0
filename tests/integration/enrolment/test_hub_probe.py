"""The hub probe and the code exchange against the hub app, other web servers, a closed port and a bad certificate."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub import pairing
from hub.app import create_app
from hub.registry import add_kiosk
from hub.settings import HubSettings
from local_api.enrolment import EnrolFailed, exchange
from local_api.hub_link import HubAccess
from local_api.hub_probe import probe
from local_api.schemas import PAIRING_ALPHABET, PAIRING_LENGTH
from tests.daemon import free_port

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)


def access(url: str = "http://testserver", token: str = "", kiosk_id: str = "k1") -> HubAccess:
    return HubAccess(url=url, token=token, kiosk_id=kiosk_id, version=1)


@pytest.fixture
def hub(tmp_path) -> Iterator[tuple[TestClient, str]]:
    app = create_app(HubSettings(data_dir=tmp_path / "hub"), clock=lambda: NOW)
    with TestClient(app) as client:
        with app.state.hub.db.write() as db, db.begin():
            token = add_kiosk(db, "k1", "hall-1", NOW)
        yield client, token


def test_the_kiosk_keypad_offers_exactly_the_hubs_code_alphabet():
    assert (PAIRING_ALPHABET, PAIRING_LENGTH) == (pairing.ALPHABET, pairing.LENGTH)
    assert not set("01ILO") & set(PAIRING_ALPHABET)


def test_the_real_hub_is_ok_and_a_refused_token_or_id_is_unauthorised(hub):
    client, token = hub
    transport = client._transport
    state, detail = probe(access(token=token), transport=transport)
    assert (state, detail) == ("ok", "kiosk k1 at site hall-1 on http://testserver")
    state, detail = probe(access(token="not-the-token"), transport=transport)
    assert state == "unauthorised" and "401" in detail
    state, detail = probe(access(token=token, kiosk_id="k2"), transport=transport)
    assert state == "unauthorised" and "belongs to kiosk k1" in detail
    state, detail = probe(access(token=""), transport=transport)
    assert state == "unauthorised" and "no token" in detail and "kioskctl enroll" in detail


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200, text="<html>portal</html>", headers={"content-type": "text/html"}), "text/html"),
        (httpx.Response(404, json={"detail": "Not Found"}), "no /api/v1/health (404)"),
        (httpx.Response(200, json={"status": "ok"}), "not kioskhub"),
    ],
)
def test_something_else_at_the_address_is_wrong_url(answer, says):
    state, detail = probe(access(token="t"), transport=httpx.MockTransport(lambda _request: answer))
    assert state == "wrong_url" and says in detail and "http://testserver" in detail


def test_a_closed_port_is_unreachable():
    state, detail = probe(access(url=f"http://127.0.0.1:{free_port()}", token="t"))
    assert state == "unreachable" and "nothing answers at" in detail


@pytest.mark.parametrize("answer", [
    httpx.Response(503, json={"status": "error", "service": "kioskhub", "detail": "database unreachable"}),
    httpx.Response(502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"}),
])
def test_a_hub_that_fails_or_a_proxy_before_a_hub_that_is_down_is_unreachable(answer):
    state, detail = probe(access(token="t"), transport=httpx.MockTransport(lambda _request: answer))
    assert state == "unreachable" and str(answer.status_code) in detail


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_certificate_the_kiosk_does_not_trust_is_a_tls_error(tmp_path):
    cert, key = _self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        state, detail = probe(access(url=url, token="t"))
        assert state == "tls_error" and "certificate" in detail and url in detail
        with pytest.raises(EnrolFailed) as failed:
            exchange(url, "2345-6789")
        assert failed.value.code == "tls_error" and failed.value.status == 502
    finally:
        server.shutdown()
        server.server_close()


def test_the_code_exchange_passes_the_hubs_refusal_on_and_spots_other_servers(hub):
    client, _ = hub
    with client.app.state.hub.db.write() as db, db.begin():
        code = pairing.issue(db, client.app.state.hub.keys, "k1", NOW)[0]
    got = exchange("http://testserver", code, transport=client._transport)
    assert (got.kiosk_id, got.site_id, got.hub_url) == ("k1", "hall-1", "http://testserver") and got.token
    with pytest.raises(EnrolFailed) as used:
        exchange("http://testserver", code, transport=client._transport)
    assert (used.value.status, used.value.code, used.value.hub_status) == (409, "pairing_code_used", 410)
    for answer, code_word in ((httpx.Response(404, json={"detail": "Not Found"}), "wrong_url"),
                              (httpx.Response(200, text="<html/>"), "wrong_url"),
                              (httpx.Response(200, json={"kiosk_id": "k", "token": "t", "site_id": "s"}), "wrong_url"),
                              (httpx.Response(502, text="Bad Gateway"), "unreachable"),
                              (httpx.Response(503, json={"detail": "busy"}), "unreachable")):
        with pytest.raises(EnrolFailed) as failed:
            exchange("http://hub.test", code, transport=httpx.MockTransport(lambda _r, a=answer: a))
        assert failed.value.code == code_word, answer
