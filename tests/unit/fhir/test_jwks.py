"""One key choice for every JWT bonewise checks (`fhir.jwks`): the CDS Hooks client token and
the SMART id_token take the same key, or refuse for the same reason, from the same key set."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bonewise.fhir import cds_security, smart_client
from bonewise.fhir.jwks import KeyChoiceError, choose_signing_key

EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER = "https://ehr.example/openid"
FHIR = "https://ehr.example/fhir"
AUDIENCE = "https://bonewise.example/cds-services/x"


def _public(key: Any, **fields: Any) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else None
    if algorithm is None:
        public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        public = algorithm.to_jwk(key.public_key(), as_dict=True)
    return public | fields


# name -> (the published keys, the signing key, the token's kid, its alg, why refused or None)
CASES: dict[str, tuple[list[dict[str, Any]], Any, str | None, str, str | None]] = {
    "no kid, one key": ([_public(EC_KEY)], EC_KEY, None, "ES256", None),
    "no kid, two keys": (
        [_public(EC_KEY, kid="k1"), _public(OTHER_EC_KEY, kid="k2")],
        EC_KEY,
        None,
        "ES256",
        "no key named (kid) and the key set holds 2",
    ),
    "no kid, one signing key and one for encryption": (
        [_public(EC_KEY, kid="k1"), _public(OTHER_EC_KEY, kid="k2", use="enc")],
        EC_KEY,
        None,
        "ES256",
        None,
    ),
    "unknown kid": (
        [_public(EC_KEY, kid="k1")],
        EC_KEY,
        "k9",
        "ES256",
        "(k9) the key set does not",
    ),
    "kid of an encryption key": (
        [_public(EC_KEY, kid="k1", use="enc")],
        EC_KEY,
        "k1",
        "ES256",
        "its use is 'enc', not signatures",
    ),
    "kid of a key without verify": (
        [_public(EC_KEY, kid="k1", key_ops=["encrypt"])],
        EC_KEY,
        "k1",
        "ES256",
        "key_ops do not include verify",
    ),
    "kid of a key for another algorithm": (
        [_public(EC_KEY, kid="k1", alg="ES384")],
        EC_KEY,
        "k1",
        "ES256",
        "it is for 'ES384'",
    ),
    "kid named twice": (
        [_public(EC_KEY, kid="k1"), _public(OTHER_EC_KEY, kid="k1")],
        EC_KEY,
        "k1",
        "ES256",
        "the key set holds 2 times",
    ),
    "an algorithm not accepted": ([_public(EC_KEY, kid="k1")], "s" * 64, "k1", "HS256", "HS256"),
    # PyJWT alone binds an RSA key without alg to RS256 and refuses the RS384 of CDS Hooks
    "RS384 with a key stating no alg": ([_public(RSA_KEY, kid="r1")], RSA_KEY, "r1", "RS384", None),
}


def _token(key: Any, kid: str | None, alg: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "u1", "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(body | claims, key, algorithm=alg, headers=headers)


def _cds(keys: list[dict[str, Any]], token: str, tmp: Path, monkeypatch: Any) -> None:
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    monkeypatch.setenv(
        cds_security.TRUSTED_ISSUERS_ENV, json.dumps({ISSUER: {"jwks_file": str(jwks)}})
    )
    monkeypatch.delenv(cds_security.AUDIENCE_ENV, raising=False)
    cds_security.verify_client_token(
        f"Bearer {token}", audience=AUDIENCE, first_use=lambda *_: True
    )


def _smart(keys: list[dict[str, Any]], token: str, tmp: Path, monkeypatch: Any) -> None:
    answers = {
        f"{FHIR}/.well-known/smart-configuration": {"issuer": ISSUER, "jwks_uri": f"{FHIR}/k"},
        f"{FHIR}/k": {"keys": keys},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        return httpx.Response(200, json=answers[url]) if url in answers else httpx.Response(404)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    smart_client.verify_id_token(http, FHIR, token, client_id=AUDIENCE)


PATHS: dict[str, tuple[Callable[..., None], type[Exception]]] = {
    "cds-hooks": (_cds, cds_security.CdsAuthError),
    "smart": (_smart, smart_client.IdentityError),
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("case", list(CASES))
def test_both_checks_choose_the_key_alike(
    case: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys, signer, kid, alg, refused = CASES[case]
    token = _token(signer, kid, alg, aud=AUDIENCE)
    check, error = PATHS[path]
    if refused is None:
        check(keys, token, tmp_path, monkeypatch)
        assert choose_signing_key({"keys": keys}, token, (alg,)).algorithm_name == alg
    else:
        with pytest.raises(error, match=refused.replace("(", r"\(").replace(")", r"\)")):
            check(keys, token, tmp_path, monkeypatch)
        with pytest.raises(KeyChoiceError):
            choose_signing_key({"keys": keys}, token, ("ES256", "RS384"))


def test_a_key_set_that_is_not_one_is_refused() -> None:
    token = _token(EC_KEY, "k1", "ES256")
    for jwks in ([], {"keys": "k1"}, {"nokeys": []}):
        with pytest.raises(KeyChoiceError, match="holds no list of keys"):
            choose_signing_key(jwks, token, ("ES256",))


def test_a_url_key_set_is_kept_and_fetched_again_for_a_new_kid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An issuer rotating its keys: a kid the kept set lacks fetches it again, once per cooldown."""
    published = [[_public(EC_KEY, kid="k1")], [_public(OTHER_EC_KEY, kid="k2")]]
    fetches: list[int] = []

    def fetch_data(client: jwt.PyJWKClient) -> dict[str, Any]:
        fetches.append(1)
        return {"keys": published[min(len(fetches), 2) - 1]}

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch_data)
    issuer = cds_security.TrustedIssuer(ISSUER, jwks_url="https://ehr.example/jwks")
    keys = cds_security._JwksKeys()
    assert keys.key(issuer, _token(EC_KEY, "k1", "ES256")).key_id == "k1"
    assert keys.key(issuer, _token(EC_KEY, "k1", "ES256")).key_id == "k1"
    assert len(fetches) == 1  # kept
    monkeypatch.setattr(cds_security, "JWKS_REFRESH_COOLDOWN_SECONDS", 0)
    assert keys.key(issuer, _token(OTHER_EC_KEY, "k2", "ES256")).key_id == "k2"
    assert len(fetches) == 2
    monkeypatch.setattr(cds_security, "JWKS_REFRESH_COOLDOWN_SECONDS", 3600)
    with pytest.raises(cds_security.CdsAuthError, match=r"\(k3\) the key set does not hold"):
        keys.key(issuer, _token(OTHER_EC_KEY, "k3", "ES256"))
    assert len(fetches) == 2  # too soon to fetch again
