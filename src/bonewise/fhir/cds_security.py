"""CDS Hooks 2.0 security: verify the JWT a CDS client (the EHR) sends with every call.

The client signs a JWT with its private key and sends it as `Authorization: Bearer <jwt>`. bonewise
accepts it when
- `iss` is a configured trusted issuer, and the signature verifies against that issuer's JWKS
  (fetched from its JWKS URL, or read from a local JWKS file), with the key named by `kid`
  (chosen by `fhir.jwks`, as for a SMART id_token);
- `aud` is this service's URL (BONEWISE_PUBLIC_URL + /cds-services/<id>, or a configured audience);
- `exp` has not passed, `iat` is present, and `jti` has not been seen before (no replay): the
  caller says whether a jti is new (`FirstUse`); the web app asks the store, so every worker
  shares one memory of used tokens.
Algorithms: ES384 and RS384 (the two CDS Hooks 2.0 names), and their 256/512 siblings.

Configuration (environment):
    BONEWISE_CDS_TRUSTED_ISSUERS  JSON: {"<iss>": {"jwks_url": "https://..."} | {"jwks_file": "/path"}}
    BONEWISE_CDS_AUDIENCE         optional: the audience to expect instead of the service URL
    BONEWISE_CDS_ALLOW_UNAUTHENTICATED=1   local development only: accept calls without a token
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from bonewise.fhir import jwks as jwks_keys

TRUSTED_ISSUERS_ENV = "BONEWISE_CDS_TRUSTED_ISSUERS"
AUDIENCE_ENV = "BONEWISE_CDS_AUDIENCE"
ALLOW_UNAUTHENTICATED_ENV = "BONEWISE_CDS_ALLOW_UNAUTHENTICATED"
ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512")
MAX_TOKEN_CHARS = 16_384
# Tokens with a longer life than this are refused (CDS Hooks advises a lifetime of minutes).
MAX_LIFETIME_SECONDS = 3600
MAX_JTI_CHARS = 256
# An issuer's key set fetched from its URL is kept this long; a token naming a key it does not
# hold fetches it again (a key rotation), at most once per cooldown.
JWKS_LIFESPAN_SECONDS = 300
JWKS_REFRESH_COOLDOWN_SECONDS = 30


class CdsAuthError(Exception):
    """The call is not from a trusted CDS client; the message says why, in the client's terms."""


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    iss: str
    jwks_url: str | None = None
    jwks_file: Path | None = None


@dataclass(frozen=True, slots=True)
class VerifiedClient:
    iss: str
    sub: str | None
    jti: str


def allow_unauthenticated() -> bool:
    return os.environ.get(ALLOW_UNAUTHENTICATED_ENV, "").strip().lower() in ("1", "true", "yes")


def trusted_issuers() -> dict[str, TrustedIssuer]:
    """The configured issuers; a malformed setting is an error, never an open door."""
    raw = os.environ.get(TRUSTED_ISSUERS_ENV, "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CdsAuthError(f"{TRUSTED_ISSUERS_ENV} is not JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise CdsAuthError(f"{TRUSTED_ISSUERS_ENV} must map each issuer to its JWKS")
    issuers = {}
    for iss, where in data.items():
        if not isinstance(where, dict) or not (where.get("jwks_url") or where.get("jwks_file")):
            raise CdsAuthError(f"{TRUSTED_ISSUERS_ENV}: issuer {iss!r} needs jwks_url or jwks_file")
        file = where.get("jwks_file")
        issuers[iss] = TrustedIssuer(iss, where.get("jwks_url"), Path(file) if file else None)
    return issuers


class _JwksKeys:
    """Each issuer's key set: read from its file at every call, fetched from its URL (with
    PyJWKClient) and kept for JWKS_LIFESPAN_SECONDS; the key is chosen by `fhir.jwks`."""

    def __init__(self) -> None:
        self._fetched: dict[str, tuple[float, Any]] = {}  # url -> (monotonic time, JWKS)
        self._lock = threading.Lock()

    def key(self, issuer: TrustedIssuer, token: str) -> jwt.PyJWK:
        if issuer.jwks_file is not None:
            try:
                jwks = json.loads(issuer.jwks_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CdsAuthError(f"JWKS file of {issuer.iss!r} is unreadable: {exc}") from exc
            return _choose(jwks, token, issuer)
        assert issuer.jwks_url is not None
        fetched_at, jwks = self._jwks(issuer, refresh=False)
        try:
            return jwks_keys.choose_signing_key(jwks, token, ALGORITHMS)
        except jwks_keys.KeyChoiceError:
            if time.monotonic() - fetched_at < JWKS_REFRESH_COOLDOWN_SECONDS:
                return _choose(jwks, token, issuer)  # raises: too soon to fetch again
        # the issuer may have rotated its keys since they were fetched
        return _choose(self._jwks(issuer, refresh=True)[1], token, issuer)

    def _jwks(self, issuer: TrustedIssuer, *, refresh: bool) -> tuple[float, Any]:
        url = str(issuer.jwks_url)
        with self._lock:
            kept = self._fetched.get(url)
            if kept and not refresh and time.monotonic() - kept[0] < JWKS_LIFESPAN_SECONDS:
                return kept
            try:
                jwks = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=5).fetch_data()
            except jwt.PyJWKClientError as exc:
                raise CdsAuthError(f"cannot get the signing keys of {issuer.iss!r}: {exc}") from exc
            self._fetched[url] = (time.monotonic(), jwks)
            return self._fetched[url]


def _choose(jwks: Any, token: str, issuer: TrustedIssuer) -> jwt.PyJWK:
    try:
        return jwks_keys.choose_signing_key(jwks, token, ALGORITHMS)
    except jwks_keys.KeyChoiceError as exc:
        raise CdsAuthError(f"token refused: {exc} (the JWKS of {issuer.iss!r})") from exc


_KEYS = _JwksKeys()
# (issuer, jti, exp as a POSIX time) -> True the first time this token id is used.
FirstUse = Callable[[str, str, float], bool]


def verify_client_token(
    authorization: str | None, *, audience: str, first_use: FirstUse
) -> VerifiedClient:
    """Check the bearer JWT of a CDS Hooks call; raises CdsAuthError with the reason."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise CdsAuthError("no bearer token: CDS clients must send a signed JWT (CDS Hooks 2.0)")
    token = authorization[7:].strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise CdsAuthError("token too long")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise CdsAuthError(f"not a JWT: {exc}") from exc
    iss = unverified.get("iss")
    issuers = trusted_issuers()
    if not isinstance(iss, str) or iss not in issuers:
        raise CdsAuthError(f"issuer {iss!r} is not trusted by this bonewise")
    expected = os.environ.get(AUDIENCE_ENV) or audience
    key = _KEYS.key(issuers[iss], token)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=list(ALGORITHMS),
            audience=expected,
            issuer=iss,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            leeway=30,
        )
    except jwt.InvalidTokenError as exc:
        raise CdsAuthError(f"token refused: {exc}") from exc
    if float(claims["exp"]) - float(claims["iat"]) > MAX_LIFETIME_SECONDS:
        raise CdsAuthError(f"token lifetime over {MAX_LIFETIME_SECONDS} s")
    jti = str(claims["jti"])
    if len(jti) > MAX_JTI_CHARS:
        raise CdsAuthError(f"jti longer than {MAX_JTI_CHARS} characters")
    if not first_use(iss, jti, float(claims["exp"])):
        raise CdsAuthError("token already used (jti replay)")
    sub = claims.get("sub")
    return VerifiedClient(iss, str(sub) if sub is not None else None, jti)
