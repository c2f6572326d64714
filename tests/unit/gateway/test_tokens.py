"""Bearer tokens: what the verifier accepts, what it refuses, and the production settings."""

import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from gateway.api.roles import Role
from gateway.api.settings import GatewaySettings
from gateway.api.tokens import InvalidTokenError, TokenVerifier, issue_token
from projections.settings import FlowSettings
from tenants.settings import StorageSettings

ISSUER = "https://idp.example.org/realms/fundament"
AUDIENCE = "fundament-api"


def wall_clock() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 (PyJWT checks exp and nbf against the wall clock)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes = b"") -> str:
    """A JWT put together by hand: HS256-signed with ``secret``, or unsigned without one."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest() if secret else b""
    return f"{signing_input}.{_b64(signature)}"


def claims_for(subject: str = "alice", **overrides: Any) -> dict[str, Any]:
    now = int(wall_clock().timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "tenants": {"acme": ["operator"]},
        "roles": [],
    }
    return {**claims, **overrides}


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("FUNDAMENT_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def settings(tmp_path: Path, signing_key: ec.EllipticCurvePrivateKey) -> GatewaySettings:
    key_file = tmp_path / "idp-public.pem"
    key_file.write_bytes(public_pem(signing_key))
    return GatewaySettings(
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_public_key_file=key_file,
        storage=StorageSettings(backend="sqlite", data_dir=tmp_path / "data"),
    )


@pytest.fixture
def verifier(settings: GatewaySettings) -> TokenVerifier:
    return TokenVerifier(settings)


def signed(key: Any, claims: dict[str, Any], algorithm: str = "ES256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_valid_token_gives_the_caller_and_their_roles(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    token = issue_token(
        signing_key,
        issuer=ISSUER,
        audience=AUDIENCE,
        subject="alice",
        tenant_roles={"acme": ["operator", "auditor"], "globex": ["requester"]},
        platform_roles=["platform-admin"],
        now=wall_clock(),
    )
    principal = verifier.verify(token)
    assert principal.subject == "alice"
    assert principal.tenant_roles == {
        "acme": {Role.OPERATOR, Role.AUDITOR},
        "globex": {Role.REQUESTER},
    }
    assert principal.platform_roles == {Role.PLATFORM_ADMIN}
    assert principal.token_id


def test_roles_are_only_granted_where_they_belong(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    claims = claims_for(
        tenants={
            "acme": ["platform-admin", "operator", "root"],
            "globex": ["superuser"],
            "initech": "tenant-admin",
        },
        roles=["operator", "god"],
    )
    principal = verifier.verify(signed(signing_key, claims))
    assert principal.tenant_roles == {"acme": {Role.OPERATOR}}
    assert principal.platform_roles == frozenset()
    assert not principal.is_member_of("globex")


def test_role_names_that_are_not_strings_are_ignored(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    claims = claims_for(tenants={"acme": [{"role": "operator"}, ["auditor"], 7]}, roles=[{}])
    principal = verifier.verify(signed(signing_key, claims))
    assert principal.tenant_roles == {}
    assert principal.platform_roles == frozenset()


def test_an_rsa_verification_key_refuses_an_es256_token(
    tmp_path: Path, settings: GatewaySettings, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    idp = _rsa_key()
    key_file = tmp_path / "idp-rsa.pem"
    key_file.write_bytes(
        idp.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    verifier = TokenVerifier(settings.model_copy(update={"jwt_public_key_file": key_file}))
    assert verifier.verify(signed(idp, claims_for(), "RS256")).subject == "alice"
    with pytest.raises(InvalidTokenError, match="algorithm"):
        verifier.verify(signed(signing_key, claims_for()))


def test_expiry_allows_the_configured_leeway_and_no_more(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    now = int(wall_clock().timestamp())
    just_expired = claims_for(iat=now - 600, nbf=now - 600, exp=now - 10)
    long_expired = claims_for(iat=now - 600, nbf=now - 600, exp=now - 60)
    assert verifier.verify(signed(signing_key, just_expired)).subject == "alice"
    with pytest.raises(InvalidTokenError, match="expired"):
        verifier.verify(signed(signing_key, long_expired))


def _other_ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _in(seconds: int) -> int:
    return int(wall_clock().timestamp()) + seconds


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


REFUSED: dict[str, tuple[str, Any]] = {
    # name: (what the reason says, how to make the token from the IdP's key)
    "signed by another key": ("signature", lambda k: signed(_other_ec_key(), claims_for())),
    "signed by an RSA key": ("algorithm", lambda k: signed(_rsa_key(), claims_for(), "RS256")),
    "RS256 named, EC key configured": (
        "algorithm",
        lambda k: forged_token({"alg": "RS256", "typ": "JWT"}, claims_for()) + "c2ln",
    ),
    "wrong audience": ("audience", lambda k: signed(k, claims_for(aud="another-api"))),
    "wrong issuer": ("issuer", lambda k: signed(k, claims_for(iss="https://evil.example"))),
    "expired": ("expired", lambda k: signed(k, claims_for(exp=1_000_000_000))),
    "not yet valid": ("incomplete", lambda k: signed(k, claims_for(nbf=_in(3600), exp=_in(7200)))),
    "alg none": (
        "algorithm",
        lambda k: forged_token({"alg": "none", "typ": "JWT"}, claims_for(roles=["platform-admin"])),
    ),
    "HS256 with the public key as secret": (
        "algorithm",
        lambda k: forged_token({"alg": "HS256", "typ": "JWT"}, claims_for(), public_pem(k)),
    ),
    "no subject": (
        "incomplete",
        lambda k: signed(k, {c: v for c, v in claims_for().items() if c != "sub"}),
    ),
    "empty subject": ("subject", lambda k: signed(k, claims_for(subject=""))),
    "subject too long": ("subject", lambda k: signed(k, claims_for(subject="x" * 201))),
    "no expiry": (
        "incomplete",
        lambda k: signed(k, {c: v for c, v in claims_for().items() if c != "exp"}),
    ),
    "tenants not a map": ("claim", lambda k: signed(k, claims_for(tenants=["acme"]))),
    "garbage": ("malformed", lambda k: "not-a-token"),
    "three garbage parts": ("malformed", lambda k: "a.b.c"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_token_is_refused_with_a_reason(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, case: str
) -> None:
    reason, make = REFUSED[case]
    token = make(signing_key)
    with pytest.raises(InvalidTokenError, match=reason) as refused:
        verifier.verify(token)
    assert token not in str(refused.value)


def test_outside_development_no_key_is_made_up(
    tmp_path: Path, settings: GatewaySettings, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    production = settings.model_copy(
        update={"environment": "production", "flow": FlowSettings(reporting_key="secret")}
    )
    verifier = TokenVerifier(production)
    assert verifier.verify(signed(signing_key, claims_for())).subject == "alice"
    assert not production.dev_key_file.exists()


# -- production settings ----------------------------------------------------------------

MISSING: dict[str, tuple[str, dict[str, Any]]] = {
    "verification key": ("FUNDAMENT_JWT_PUBLIC_KEY_FILE", {"jwt_public_key_file": None}),
    "issuer": ("FUNDAMENT_JWT_ISSUER", {"jwt_issuer": "https://fundament.invalid/dev"}),
    "reporting key": ("FUNDAMENT_REPORTING_KEY", {"flow": FlowSettings()}),
    "plain-http JWKS": ("https://", {"jwt_jwks_url": "http://idp.example.org/jwks"}),
}


def production_values(tmp_path: Path) -> dict[str, Any]:
    key_file = tmp_path / "idp-public.pem"
    key_file.write_bytes(public_pem(_other_ec_key()))
    return {
        "environment": "production",
        "jwt_issuer": ISSUER,
        "jwt_public_key_file": key_file,
        "flow": FlowSettings(reporting_key="a long random secret"),
        "storage": StorageSettings(backend="sqlite", data_dir=tmp_path / "data"),
    }


def test_production_settings_with_key_issuer_and_reporting_key_are_accepted(
    tmp_path: Path,
) -> None:
    settings = GatewaySettings(**production_values(tmp_path))
    assert settings.environment == "production"


def test_production_settings_name_everything_missing(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        GatewaySettings(
            environment="production",
            storage=StorageSettings(data_dir=tmp_path),
            flow=FlowSettings(),
        )
    message = str(refused.value)
    for name in (
        "FUNDAMENT_JWT_PUBLIC_KEY_FILE",
        "FUNDAMENT_JWT_ISSUER",
        "FUNDAMENT_REPORTING_KEY",
    ):
        assert name in message


@pytest.mark.parametrize("case", MISSING)
def test_production_settings_name_the_one_thing_missing(tmp_path: Path, case: str) -> None:
    named, override = MISSING[case]
    with pytest.raises(ValidationError, match="refusing to start in production") as refused:
        GatewaySettings(**{**production_values(tmp_path), **override})
    assert named in str(refused.value)
    others = {n for n, _ in MISSING.values()} - {named, "https://"}
    assert not any(other in str(refused.value) for other in others)


def test_production_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FUNDAMENT_ENVIRONMENT", "production")
    monkeypatch.setenv("FUNDAMENT_DATA_DIR", str(tmp_path))
    with pytest.raises(ValidationError, match="FUNDAMENT_JWT_ISSUER"):
        GatewaySettings()
