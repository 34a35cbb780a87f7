"""Secret tokens (API tokens, invitation links): only their SHA-256 is ever stored."""

import hashlib
import secrets


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str) -> tuple[str, str]:
    """Return (the token to hand out once, the hash to store)."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, hash_token(raw)
