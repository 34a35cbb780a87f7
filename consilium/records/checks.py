"""Health data at rest is for Consilium's user alone: the var folder, the SQLite files, the key.

Settings create CONSILIUM_VAR_DIR (and its tmp/) owner-only and tighten an existing one; each
new SQLite connection makes the database file and its -wal and -shm owner-only (SQLite gives
those two the database file's mode; a file an earlier install left readable is tightened).
A umask would do it too, but for the whole process: collected static files, which a separate
web server may serve, included. ``check --deploy`` fails on what could not be made so, and on
a master key kept beside the data it encrypts.
"""

import contextlib
import stat
from pathlib import Path

from django.conf import settings
from django.core import checks


def sqlite_files(connection) -> list[Path]:
    """The database file of a SQLite connection and its write-ahead log and shared memory."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return []
    name = Path(connection.settings_dict["NAME"])
    return [name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")]


def keep_database_owner_only(sender, connection, **kwargs) -> None:
    """connection_created: the SQLite files readable and writable by their owner alone."""
    for path in sqlite_files(connection):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)


def _open_to_others(path: Path) -> str | None:
    """The mode of ``path`` when users other than its owner can use it, else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    return oct(mode) if mode & 0o077 else None


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@checks.register(checks.Tags.security, deploy=True)
def check_data_at_rest(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.db import connections

    errors: list[checks.CheckMessage] = []
    var_dir = Path(settings.VAR_DIR)
    if mode := _open_to_others(var_dir):
        errors.append(checks.Error(
            f"CONSILIUM_VAR_DIR {var_dir} (mode {mode}) can be opened by other users; it holds "
            "the database, record files and keys.",
            hint=f"chmod 700 {var_dir}, owned by the user Consilium runs as.", id="storage.E001"))
    for path in sqlite_files(connections["default"]):
        if mode := _open_to_others(path):
            errors.append(checks.Error(
                f"The SQLite file {path} (mode {mode}) can be read by other users.",
                hint=f"chmod 600 {path}", id="storage.E002"))
    key_file = settings.RECORDS_MASTER_KEY_FILE
    if key_file and _inside(Path(key_file), var_dir):
        errors.append(checks.Error(
            f"The record-encryption master key {key_file} is kept in CONSILIUM_VAR_DIR, beside "
            "the data it encrypts: whoever copies the folder can read every record.",
            hint="Move it elsewhere (e.g. /etc/consilium/master_key) and set "
                 "CONSILIUM_MASTER_KEY_FILE to its new path.", id="storage.E003"))
    if key_file and (mode := _open_to_others(Path(key_file))):
        errors.append(checks.Error(
            f"The master key file {key_file} (mode {mode}) can be read by other users.",
            hint=f"chmod 600 {key_file}", id="storage.E004"))
    if settings.SECRET_KEY_GENERATED:
        errors.append(checks.Error(
            "Django's secret key was generated into CONSILIUM_VAR_DIR, beside the data: whoever "
            "copies the folder can forge sessions and reset links and undo the imaging "
            "pseudonyms.",
            hint="Set CONSILIUM_SECRET_KEY or CONSILIUM_SECRET_KEY_FILE (outside var/).",
            id="storage.E005"))
    return errors
