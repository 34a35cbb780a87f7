"""check --deploy: the audit trail's anchor and key must live where the database's writers
cannot reach them, or rewriting the database also rewrites the evidence."""

import os
from pathlib import Path

from django.conf import settings
from django.core import checks


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _database_folders() -> list[Path]:
    folders = [Path(settings.VAR_DIR)]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folders.append(Path(database["NAME"]).parent)
    return folders


@checks.register(checks.Tags.security, deploy=True)
def check_audit_anchor(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    anchor = settings.AUDIT_ANCHOR
    if not anchor:
        messages.append(checks.Error(
            "CONSILIUM_AUDIT_ANCHOR is not set: whoever can write the database can cut rows off "
            "the end of the audit trail unnoticed.",
            hint="Set it to an append-only file outside CONSILIUM_VAR_DIR (chattr +a, or a path "
                 "a log shipper copies off the machine).", id="audit.E001"))
    elif any(_inside(Path(anchor), folder) for folder in _database_folders()):
        messages.append(checks.Error(
            f"The audit anchor {anchor} is in the database's folder: whoever can rewrite the "
            "database file can rewrite the anchor too.",
            hint="Put it elsewhere, append-only (chattr +a) or shipped off the machine.",
            id="audit.E002"))
    key_file = os.environ.get("CONSILIUM_AUDIT_KEY_FILE")
    if key_file and any(_inside(Path(key_file), folder) for folder in _database_folders()):
        messages.append(checks.Error(
            f"The audit key {key_file} is in the database's folder: whoever copies the folder "
            "can re-chain the audit trail.",
            hint="Move it elsewhere (e.g. /etc/consilium/audit_key).", id="audit.E003"))
    return messages
