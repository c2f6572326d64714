"""Bearer tokens: verification of signed JWTs, and development tokens from a local key.

Only asymmetric algorithms are accepted (ES256, RS256): the gateway holds no secret that
could mint a token, and ``alg: none`` or an HMAC token signed with the public key fails.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.api.roles import PLATFORM_ROLES, TENANT_ROLES, Principal, Role
from gateway.api.settings import GatewaySettings

TENANTS_CLAIM = "tenants"  # {"<tenant slug>": ["operator", ...]}
ROLES_CLAIM = "roles"  # platform roles, e.g. ["platform-admin"]
DEV_KEY_ID = "fundament-dev"
_VERIFIED_CACHE_SIZE = 4096
_KEY_TYPES: dict[str, type[Any]] = {"ES256": ec.EllipticCurvePublicKey, "RS256": rsa.RSAPublicKey}


class InvalidTokenError(Exception):
    """The bearer token is missing, malformed, expired, or not for this gateway."""


class KeysUnavailableError(Exception):
    """The JWKS could not be fetched: not the caller's fault, and worth a retry."""


def load_or_create_dev_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The development signing key (P-256), created with owner-only permissions if missing."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} does not hold an EC private key")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def issue_token(
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: str,
    audience: str,
    subject: str,
    tenant_roles: Mapping[str, Sequence[str]],
    platform_roles: Sequence[str] = (),
    now: datetime,
    lifetime: timedelta = timedelta(hours=8),
) -> str:
    """A signed ES256 token for development and tests (production tokens come from an IdP)."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": str(uuid4()),
        TENANTS_CLAIM: {slug: list(roles) for slug, roles in tenant_roles.items()},
        ROLES_CLAIM: list(platform_roles),
    }
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": DEV_KEY_ID})


class TokenVerifier:
    """Checks signature, issuer, audience and expiry, and reads the caller's roles."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._algorithms = list(settings.jwt_algorithms)
        self._leeway = settings.jwt_leeway_seconds
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._key: Any = None
        if settings.jwt_public_key_file is not None:
            self._key = serialization.load_pem_public_key(settings.jwt_public_key_file.read_bytes())
        elif self._jwks is None:
            self._key = load_or_create_dev_key(settings.dev_key_file).public_key()
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The caller a token names; a token verified before answers from memory until it
        expires (a signature check costs more than the rest of a small request)."""
        now = time.time()
        with self._lock:
            known = self._verified.get(token)
            if known is not None and now <= known[1]:
                self._verified.move_to_end(token)
                return known[0]
        principal, expires = self._verify(token)
        with self._lock:
            self._verified[token] = (principal, expires + self._leeway)
            while len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            key = self._key
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=_usable_with(key, self._algorithms),
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWKClientConnectionError:
            raise KeysUnavailableError(
                "the identity provider's signing keys cannot be fetched right now"
            ) from None
        except jwt.PyJWTError as error:
            raise InvalidTokenError(_reason(error)) from None
        return _principal(claims), float(claims["exp"])


def _usable_with(key: Any, algorithms: Sequence[str]) -> list[str]:
    """The accepted algorithms that fit ``key``: PyJWT raises TypeError, not a token error,
    for a token naming the other key type's algorithm (a 500 for anyone who sends one)."""
    return [name for name in algorithms if isinstance(key, _KEY_TYPES[name])]


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.ExpiredSignatureError):
        return "the token has expired"
    if isinstance(error, jwt.InvalidAudienceError):
        return "the token is not meant for this API (audience)"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the token was not issued by the configured issuer"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "the token's signing algorithm is not accepted"
    if isinstance(error, jwt.InvalidSignatureError):
        return "the token's signature does not verify"
    return "the token is malformed or incomplete"


def _principal(claims: Mapping[str, Any]) -> Principal:
    subject = claims["sub"]
    tenants = claims.get(TENANTS_CLAIM, {})
    platform = claims.get(ROLES_CLAIM, [])
    if not isinstance(subject, str) or not subject or len(subject) > 200:
        raise InvalidTokenError("the token's subject is missing or too long")
    if not isinstance(tenants, dict) or not isinstance(platform, list):
        raise InvalidTokenError(f"the {TENANTS_CLAIM!r} or {ROLES_CLAIM!r} claim is malformed")
    tenant_roles = {
        str(slug): frozenset(Role(r) for r in roles if isinstance(r, str) and r in TENANT_ROLES)
        for slug, roles in tenants.items()
        if isinstance(roles, list)
    }
    return Principal(
        subject,
        {slug: roles for slug, roles in tenant_roles.items() if roles},
        frozenset(Role(r) for r in platform if isinstance(r, str) and r in PLATFORM_ROLES),
        claims.get("jti"),
    )
