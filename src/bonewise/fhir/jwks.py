"""Which key of a JSON Web Key Set verifies a JWT: one rule for every token bonewise checks.

Used by the CDS Hooks client check (`fhir.cds_security`: the issuer's JWKS from its URL or a
file) and the SMART id_token check (`fhir.smart_client`: the EHR's JWKS through its size-limited
client). How each gets the key set differs on purpose; which key of it is trusted does not:

- the token's `alg` must be one the caller accepts;
- a key is usable only for signatures (`use` absent or "sig"; `key_ops`, when given, includes
  "verify") with that algorithm (`alg` absent or the token's): RFC 7517 4.2-4.4;
- the token's `kid` names the key; without a kid the set must hold exactly one usable key; a kid
  that names no usable key, or two of them, is refused.

A key that states no `alg` is built for the token's algorithm: PyJWT would otherwise bind an RSA
key to RS256 and refuse an RS384 token, the algorithm CDS Hooks 2.0 names.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jwt


class KeyChoiceError(Exception):
    """Why no key of the set verifies the token, said of the token ("signed with ...")."""


def _unusable_because(key: dict[str, Any], alg: str) -> str | None:
    use = key.get("use")
    if use not in (None, "sig"):
        return f"its use is {use!r}, not signatures"
    operations = key.get("key_ops")
    if operations is not None and "verify" not in operations:
        return "its key_ops do not include verify"
    if key.get("alg") not in (None, alg):
        return f"it is for {key.get('alg')!r}"
    return None


def choose_signing_key(jwks: Any, token: str, algorithms: Collection[str]) -> jwt.PyJWK:
    """The key of `jwks` (a parsed JWKS) that verifies `token`, built for its algorithm.

    Raises KeyChoiceError saying why none is chosen (see the module's rules)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise KeyChoiceError("not a JWT") from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in algorithms:
        accepted = ", ".join(algorithms)
        raise KeyChoiceError(f"signed with algorithm {alg!r}; bonewise accepts {accepted}")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise KeyChoiceError("signed with keys whose set (JWKS) holds no list of keys")
    keys = [k for k in keys if isinstance(k, dict)]
    named = keys if kid is None else [k for k in keys if k.get("kid") == kid]
    usable = [k for k in named if _unusable_because(k, str(alg)) is None]
    if kid is None and len(usable) > 1:
        raise KeyChoiceError(f"signed with no key named (kid) and the key set holds {len(usable)}")
    if len(usable) > 1:
        raise KeyChoiceError(f"signed with a key ({kid}) the key set holds {len(usable)} times")
    if not usable:
        if kid is None:
            raise KeyChoiceError(f"signed with no key named (kid) and no key usable for {alg}")
        if named:
            why = _unusable_because(named[0], str(alg))
            raise KeyChoiceError(f"signed with a key ({kid}) not usable for {alg}: {why}")
        raise KeyChoiceError(f"signed with a key ({kid}) the key set does not hold")
    try:
        return jwt.PyJWK(usable[0], str(alg))
    except jwt.PyJWTError as exc:
        raise KeyChoiceError(f"signed with a key ({kid}) that cannot be read: {exc}") from exc
