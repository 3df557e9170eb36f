"""The id_token of a SMART launch, checked against keys an EHR publishes the SMART 1.0 way
(issuer and jwks_uri only in its OpenID configuration) and refused when its key is unknown."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from bonewise.fhir import smart_client

ISS = "https://ehr.example/fhir"
ISSUER = "https://ehr.example/openid"
JWKS = "https://ehr.example/keys"
CLIENT = "bonewise"
KEY = ec.generate_private_key(ec.SECP256R1())  # ES256: fast to make, a SMART algorithm


def _ehr(requests: list[str]) -> httpx.Client:
    public = jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    answers: dict[str, Any] = {
        f"{ISS}/.well-known/smart-configuration": {"authorization_endpoint": f"{ISS}/auth"},
        f"{ISS}/.well-known/openid-configuration": {"issuer": ISSUER, "jwks_uri": JWKS},
        JWKS: {"keys": [public | {"kid": "k1", "alg": "ES256"}]},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requests.append(url)
        return httpx.Response(200, json=answers[url]) if url in answers else httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(answer))


def _token(kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "u1", "aud": CLIENT, "iat": now, "exp": now + 300} | claims
    return jwt.encode(body, KEY, algorithm="ES256", headers={"kid": kid})


def test_the_issuer_and_keys_come_from_the_openid_configuration_when_smart_names_none() -> None:
    requests: list[str] = []
    user = smart_client.verify_id_token(
        _ehr(requests), ISS, _token(fhirUser=f"{ISS}/Practitioner/7"), client_id=CLIENT
    )
    assert user == smart_client.EhrUser(ISSUER, "u1", f"{ISS}/Practitioner/7")
    assert requests[-1] == JWKS


@pytest.mark.parametrize(
    ("token", "said"),
    [
        (_token(kid="k2"), "signed with a key (k2) the key set does not hold"),
        (_token(sub=None), 'missing the "sub" claim'),
        (json.dumps({"not": "a jwt"}), "not a JWT"),
    ],
)
def test_an_id_token_the_published_keys_do_not_cover_is_refused(token: str, said: str) -> None:
    with pytest.raises(smart_client.IdentityError, match=re.escape(said)):
        smart_client.verify_id_token(_ehr([]), ISS, token, client_id=CLIENT)
