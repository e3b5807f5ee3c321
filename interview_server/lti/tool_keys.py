"""This tool's own keys: RSA keys that sign what the tool sends platforms (deep-linking responses, the client
assertion of the AGS token grant), published at /lti/jwks, and a secret for what the tool signs for itself (the
login state, launch tickets, the host keys of the sessions it makes).

They live in one JSON file (LTI_KEYS; by default lti-keys.json in the data directory, made on first use; several
instances share one file or one LTI_KEYS value): {"secret": ..., "keys": [{"kid", "pem"}, ...]}, newest first. The
newest key signs; the older ones stay in the JWKS so platforms holding them keep verifying (`rotate`).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEPT_KEYS = 3  # the newest signs; two older ones are still published after a rotation


@dataclass(frozen=True)
class ToolKeys:
    secret: bytes
    keys: tuple[tuple[str, rsa.RSAPrivateKey], ...]  # (kid, key), newest first

    @property
    def signing(self) -> tuple[str, rsa.RSAPrivateKey]:
        return self.keys[0]

    def jwks(self) -> dict:
        """The public keys, as a JSON Web Key Set."""
        published = []
        for kid, key in self.keys:
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            published.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": published}


def load(path: str | Path) -> ToolKeys:
    """The keys in `path`, made there first if it does not exist."""
    path = Path(path)
    if not path.exists():
        _write(path, {"secret": _b64(secrets.token_bytes(32)), "keys": [_new_key()]})
    data = json.loads(path.read_text())
    keys = tuple(
        (entry["kid"], serialization.load_pem_private_key(entry["pem"].encode(), password=None))
        for entry in data["keys"]
    )
    return ToolKeys(base64.urlsafe_b64decode(data["secret"]), keys)


def rotate(path: str | Path) -> str:
    """Add a new signing key in front (keeping the newest KEPT_KEYS); its kid."""
    path = Path(path)
    load(path)  # made if missing
    data = json.loads(path.read_text())
    key = _new_key()
    data["keys"] = [key, *data["keys"]][:KEPT_KEYS]
    _write(path, data)
    return key["kid"]


def _new_key() -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {"kid": secrets.token_urlsafe(12), "pem": pem}


def _write(path: Path, data: dict) -> None:
    """Written whole and readable by its owner only (a new file renamed over the old)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_suffix(".tmp")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(data, file, indent=1)
    os.replace(fresh, path)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()
