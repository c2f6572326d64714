"""Tokens verified against an identity provider's JWKS, fetched over real HTTP."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.api.settings import GatewaySettings
from gateway.api.tokens import InvalidTokenError, KeysUnavailableError, TokenVerifier
from tenants.settings import StorageSettings

ISSUER = "https://idp.example.org/realms/fundament"
AUDIENCE = "fundament-api"


class _Jwks:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.fetches = 0

    def document(self) -> bytes:
        keys = []
        for kid, key, alg in (("rsa-1", self.rsa, "RS256"), ("ec-1", self.ec, "ES256")):
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": alg})
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def idp() -> Iterator[tuple[_Jwks, str]]:
    jwks = _Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            jwks.fetches += 1
            body = jwks.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield jwks, f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    server.shutdown()
    server.server_close()


def _claims(subject: str = "alice") -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())  # noqa: TID251 (PyJWT checks exp on the wall clock)
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now,
        "exp": now + 600,
        "tenants": {"acme": ["operator"]},
    }


def _verifier(url: str, tmp_path: Any) -> TokenVerifier:
    storage = StorageSettings(backend="sqlite", data_dir=tmp_path)
    settings = GatewaySettings(
        storage=storage, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_jwks_url=url
    )
    return TokenVerifier(settings)


def test_tokens_signed_by_any_key_of_the_jwks_verify(idp: tuple[_Jwks, str], tmp_path) -> None:
    jwks, url = idp
    verifier = _verifier(url, tmp_path)
    rsa_token = jwt.encode(_claims("rsa"), jwks.rsa, "RS256", headers={"kid": "rsa-1"})
    ec_token = jwt.encode(_claims("ec"), jwks.ec, "ES256", headers={"kid": "ec-1"})

    assert verifier.verify(rsa_token).subject == "rsa"
    assert verifier.verify(ec_token).subject == "ec"
    assert verifier.verify(ec_token).roles_in("acme")
    assert not (tmp_path / "dev-jwt-key.pem").exists(), "with a JWKS no development key is made"


def test_an_unknown_key_id_or_a_key_the_jwks_does_not_hold_is_refused(
    idp: tuple[_Jwks, str], tmp_path
) -> None:
    jwks, url = idp
    verifier = _verifier(url, tmp_path)
    stranger = ec.generate_private_key(ec.SECP256R1())
    unknown_kid = jwt.encode(_claims(), jwks.ec, "ES256", headers={"kid": "ec-9"})
    wrong_key = jwt.encode(_claims(), stranger, "ES256", headers={"kid": "ec-1"})
    other_type = jwt.encode(_claims(), jwks.rsa, "RS256", headers={"kid": "ec-1"})

    for token in (unknown_kid, wrong_key, other_type):
        with pytest.raises(InvalidTokenError):
            verifier.verify(token)


def test_an_unreachable_jwks_is_not_blamed_on_the_token(tmp_path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    verifier = _verifier(f"http://127.0.0.1:{port}/certs", tmp_path)
    token = jwt.encode(
        _claims(), ec.generate_private_key(ec.SECP256R1()), "ES256", headers={"kid": "k"}
    )

    with pytest.raises(KeysUnavailableError):
        verifier.verify(token)
