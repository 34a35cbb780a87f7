"""Encryption at rest: AES-256-GCM in segments, with a per-file key wrapped by a master key.

A stored file is a header and a run of segments. Each segment of up to 1 MiB plaintext is
sealed on its own, with a nonce made of a random per-file prefix, the segment's number and a
"last segment" flag, so segments cannot be reordered, dropped or the file cut short without
detection (the streaming construction of Hoang, Reyhanitabar, Rogaway and Vizár, as in Tink).
Memory stays at one segment whatever the file's size.

Only the wrapped file key is kept in the database; rotating the master key rewraps these
keys and leaves the data untouched (``manage.py rotate_keys``).
"""

import base64
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"CSL1"
SEGMENT = 1024 * 1024
TAG = 16
PREFIX = 7
HEADER = struct.Struct(">4s7sI")  # magic, nonce prefix, segment size
WRAP_AAD = b"consilium file key v1"


class Tampered(Exception):
    """The stored bytes are not what was written: altered, cut short or wrongly keyed."""


def _master_keys() -> dict[str, bytes]:
    """Key id → master key; the first is the one new files are wrapped with."""
    return master_keys(settings.RECORDS_MASTER_KEYS)


def master_keys(encoded_keys) -> dict[str, bytes]:
    """Key id → master key, for the base64url keys given (in their order)."""
    keys = {}
    for encoded in encoded_keys:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(key) != 32:
            raise ValueError("A master key must be 32 bytes, base64url-encoded.")
        keys[key_id(key)] = key
    return keys


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"consilium key id" + key).hexdigest()[:16]


def current_key_id() -> str:
    return next(iter(_master_keys()))


def wrap(file_key: bytes, master_id: str | None = None) -> tuple[str, str]:
    """Return (wrapped key as text, the master key's id)."""
    keys = _master_keys()
    master_id = master_id or next(iter(keys))
    nonce = os.urandom(12)
    sealed = AESGCM(keys[master_id]).encrypt(nonce, file_key, WRAP_AAD)
    return base64.b64encode(nonce + sealed).decode(), master_id


def unwrap(wrapped: str, master_id: str) -> bytes:
    keys = _master_keys()
    if master_id not in keys:
        raise Tampered(f"The master key {master_id} is not configured.")
    raw = base64.b64decode(wrapped)
    try:
        return AESGCM(keys[master_id]).decrypt(raw[:12], raw[12:], WRAP_AAD)
    except InvalidTag:
        raise Tampered("The file key does not open with its master key.") from None


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", index, last)


def encrypt_stream(source: IO[bytes], sink: IO[bytes], file_key: bytes) -> tuple[str, int]:
    """Encrypt ``source`` into ``sink``; return the plaintext's SHA-256 and size."""
    aead = AESGCM(file_key)
    prefix = secrets.token_bytes(PREFIX)
    header = HEADER.pack(MAGIC, prefix, SEGMENT)
    sink.write(header)
    digest, size, index = hashlib.sha256(), 0, 0
    current = source.read(SEGMENT)
    while True:
        following = source.read(SEGMENT)
        last = not following
        digest.update(current)
        size += len(current)
        sink.write(aead.encrypt(_nonce(prefix, index, last), current, header))
        if last:
            return digest.hexdigest(), size
        current, index = following, index + 1


def decrypt_stream(source: IO[bytes], file_key: bytes, sha256: str) -> Iterator[bytes]:
    """Yield the plaintext segment by segment; raise Tampered on any mismatch."""
    header = source.read(HEADER.size)
    try:
        magic, prefix, segment = HEADER.unpack(header)
    except struct.error:
        raise Tampered("The stored file has no header.") from None
    if magic != MAGIC:
        raise Tampered("The stored file is not a Consilium encrypted file.")
    aead = AESGCM(file_key)
    digest, index = hashlib.sha256(), 0
    current = source.read(segment + TAG)
    while True:
        following = source.read(segment + TAG)
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), current, header)
        except InvalidTag:
            raise Tampered(f"Segment {index} of the stored file fails its check.") from None
        digest.update(plain)
        if last:
            if digest.hexdigest() != sha256:
                raise Tampered("The file's SHA-256 does not match the one recorded.")
            yield plain
            return
        yield plain
        current, index = following, index + 1
