"""Free-text health data encrypted in its database column.

A value is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the current master
key, settings.RECORDS_MASTER_KEYS[0], and stored as ``cf1:<master key id>:<base64 nonce and
ciphertext>``. The associated data names the table and column, so a ciphertext pasted into
another column (a private journal note into a public story) does not open. Reading tries the
master key the value names, so old keys keep working until ``manage.py rotate_keys`` has
sealed every value again with the current one.

The field is transparent: models, forms, templates, PDFs and signatures see plain text.
Queries cannot look inside, so lookups other than ``isnull`` are refused.
"""

import base64
import binascii
import json
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.db.models.functions import Cast

from consilium import crypto
from consilium.crypto import Tampered

VERSION = "cf1"
PURPOSE = b"consilium field encryption v1"
NONCE = 12


@lru_cache(maxsize=4)
def _field_keys(master_keys: tuple[str, ...]) -> dict[str, AESGCM]:
    """Master key id → the AES-256-GCM key derived from it for columns (first: current)."""
    derived = {}
    for master_id, master in crypto.master_keys(master_keys).items():
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(master)
        derived[master_id] = AESGCM(key)
    return derived


def _keys() -> dict[str, AESGCM]:
    return _field_keys(tuple(settings.RECORDS_MASTER_KEYS))


def current_prefix() -> str:
    """How every value sealed with the current master key begins."""
    return f"{VERSION}:{next(iter(_keys()))}:"


def _aad(label: str, master_id: str) -> bytes:
    return f"{VERSION}|{label}|{master_id}".encode()


def seal(plain: str, label: str) -> str:
    """Encrypt ``plain`` for the column ``label`` ("table.column") with the current key."""
    master_id, aead = next(iter(_keys().items()))
    nonce = os.urandom(NONCE)
    sealed = aead.encrypt(nonce, plain.encode(), _aad(label, master_id))
    return f"{VERSION}:{master_id}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(stored: str, label: str) -> str:
    """The plain text of a stored value; Tampered if it is not one sealed for this column."""
    version, _, rest = stored.partition(":")
    master_id, _, payload = rest.partition(":")
    if version != VERSION or not payload:
        raise Tampered(f"{label} holds a value that is not encrypted.")
    aead = _keys().get(master_id)
    if aead is None:
        raise Tampered(f"{label} was encrypted with master key {master_id}, not configured.")
    try:
        raw = binascii.a2b_base64(payload, strict_mode=True)
        plain = aead.decrypt(raw[:NONCE], raw[NONCE:], _aad(label, master_id))
    except (InvalidTag, ValueError):
        raise Tampered(f"{label} holds a value that fails its check.") from None
    return plain.decode()


class EncryptedTextField(models.TextField):
    """A TextField whose column holds only ciphertext bound to its table and column."""

    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.from_text(unseal(value, self.label()))

    def get_prep_value(self, value):
        text = self.to_text(value)
        return None if text is None else seal(text, self.label())

    def get_lookup(self, lookup_name):
        # A lookup would compare ciphertext: refuse it rather than match nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def to_text(self, value) -> str | None:
        return None if value is None else str(value)

    def from_text(self, text: str):
        return text


class EncryptedJSONField(EncryptedTextField):
    """JSON kept encrypted: a signed opinion's content holds every word of the opinion."""

    # For django-stubs: the attribute is the JSON value, not the text stored.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_text(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def from_text(self, text: str):
        return json.loads(text)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value


def stored_values(model, name: str, using: str = "default"):
    """(pk, the column's stored text) of every row, read past the field's decryption."""
    return (model._base_manager.using(using).annotate(stored=Cast(name, models.TextField()))
            .values_list("pk", "stored"))


def encrypt_column(model, name: str, using: str = "default") -> int:
    """Seal the plain text left in a column (a migration's step); return the rows changed."""
    field, changed = model._meta.get_field(name), 0
    for pk, stored in stored_values(model, name, using).iterator(chunk_size=500):
        if stored is not None and not stored.startswith(f"{VERSION}:"):
            plain = field.from_text(stored)
            changed += model._base_manager.using(using).filter(pk=pk).update(**{name: plain})
    return changed


def decrypt_column(model, name: str, using: str = "default") -> int:
    """Put the plain text back in a column (a migration's reverse step)."""
    label, changed = model._meta.get_field(name).label(), 0
    for pk, stored in stored_values(model, name, using).iterator(chunk_size=500):
        if stored is not None and stored.startswith(f"{VERSION}:"):
            plain = models.Value(unseal(stored, label), output_field=models.TextField())
            changed += model._base_manager.using(using).filter(pk=pk).update(**{name: plain})
    return changed


def encrypt_existing(app_label: str, columns: dict[str, tuple[str, ...]]):
    """A migration step sealing the rows already there (and opening them when reversed)."""
    from django.db import migrations

    def each(apps, schema_editor, step):
        for model_name, names in columns.items():
            model = apps.get_model(app_label, model_name)
            for name in names:
                step(model, name, schema_editor.connection.alias)
        if schema_editor.connection.vendor == "postgresql":
            # Check the foreign keys of the rows just updated now: PostgreSQL refuses to alter
            # a table with checks pending, as the reverse does next.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")

    return migrations.RunPython(lambda apps, editor: each(apps, editor, encrypt_column),
                                lambda apps, editor: each(apps, editor, decrypt_column))


def reseal_column(model, name: str) -> int:
    """Seal again with the current master key what an older one sealed (rotate_keys)."""
    label, prefix, changed = model._meta.get_field(name).label(), current_prefix(), 0
    stale = stored_values(model, name).exclude(stored__startswith=prefix).exclude(stored=None)
    for pk, stored in stale.iterator(chunk_size=500):
        fresh = models.Value(seal(unseal(stored, label), label), output_field=models.TextField())
        # Conditional: a value saved meanwhile (already current) is left as it is.
        rows = model._base_manager.annotate(stored=Cast(name, models.TextField()))
        changed += rows.filter(pk=pk, stored=stored).update(**{name: fresh})
    return changed


def encrypted_columns():
    """(model, field name) of every encrypted column of the installed apps."""
    from django.apps import apps

    return [(model, field.name) for model in apps.get_models()
            for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
