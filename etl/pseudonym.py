"""Keyed pseudonyms for members of the public and staff (HMAC-SHA256).

The same key gives the same pseudonym across loads, so an account's history joins up; without the key
a pseudonym cannot be turned back into a handle. The key comes from MODAUDIT_PSEUDONYM_KEY or a key file
beside the warehouse, created on first use and git-ignored; it is never written into the warehouse.

A key is at least 32 bytes (SPEC §7): a short one could be guessed, and anyone who guesses it can test raw
handles against the pseudonyms. The warehouse keeps the key's fingerprint (a keyed hash of a constant, which
says nothing about the key) from its first load, and every later command that pseudonymises checks the key
against it (`check_key`): a load with another key would give everyone a second pseudonym and split every
account's history without a word.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from core.pseudonym import KEY_ENV, key_path, pseudonym

if TYPE_CHECKING:
    import duckdb

MIN_KEY_BYTES = 32
# What the fingerprint is an HMAC of; its version is part of it, so a new scheme cannot match an old one.
FINGERPRINT_MESSAGE = b"modaudit key fingerprint v1"


class PseudonymKeyError(Exception):
    """The key cannot be had: one sentence naming the variable or the file and what to do about it."""


def load_key(db_path: Path) -> bytes:
    """The key from MODAUDIT_PSEUDONYM_KEY (its bytes as set, whatever the locale), else from the key file.

    A variable that is set but blank is refused rather than passed over for the key file: it is almost
    always a mistake, and pseudonyms made with another key would never join up with the warehouse's."""
    env = os.environb.get(os.fsencode(KEY_ENV))
    if env is not None:
        if not env.strip():
            raise PseudonymKeyError(f"{KEY_ENV} is set but empty; set it to the warehouse's key, or unset it "
                                    f"to use the key file {key_path(db_path)}")
        return require_length(env, KEY_ENV)
    path = key_path(db_path)
    if not path.exists() and not path.is_symlink():
        _create_key(db_path, path)
    try:
        key = path.read_bytes().strip()
    except IsADirectoryError:
        raise PseudonymKeyError(f"{path} is a folder, not the pseudonym key file; move it away, or set "
                                f"{KEY_ENV}") from None
    except OSError as exc:
        raise PseudonymKeyError(f"the pseudonym key file {path} cannot be read ({exc.strerror}); fix it, or set "
                                f"{KEY_ENV}") from None
    if not key:
        raise PseudonymKeyError(f"the pseudonym key file {path} is empty; restore the warehouse's key into it, or "
                                f"set {KEY_ENV}")
    return require_length(key, f"the pseudonym key file {path}")


def require_length(key: bytes, source: str) -> bytes:
    """`key` if it is at least MIN_KEY_BYTES long; else one sentence naming where it came from. Refused, not
    padded or stretched: a short key has few guesses whatever is done to it, and someone holding raw handles
    could try them all against the pseudonyms. A warehouse made with a short key cannot keep its pseudonyms
    under a new key (they would all change), so the way on is to load its source files into a new one."""
    if len(key) >= MIN_KEY_BYTES:
        return key
    raise PseudonymKeyError(
        f"{source} holds a {len(key)}-byte pseudonym key; a key must be at least {MIN_KEY_BYTES} bytes: make one "
        f"with `python -c 'import secrets; print(secrets.token_hex(32))'` (a warehouse made with the short key "
        f"must be loaded again from its source files into a new warehouse under the new key)")


def fingerprint(key: bytes) -> str:
    """What the warehouse keeps to recognise its key: HMAC-SHA256 under the key of a fixed message, in hex. It
    tells two keys apart but gives nothing towards the key itself, nor towards any pseudonym (the message is
    not a handle and has no prefix a handle could have)."""
    return hmac.new(key, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the warehouse was made with, or None: a new warehouse, one from before fingerprints
    (migration 13) were kept, or one opened read-only before being upgraded (no `warehouse_key` table yet)."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'warehouse_key' "
                        "AND database_name = current_database()").fetchone()
    if not found or not found[0]:
        return None
    row = con.execute("SELECT fingerprint FROM warehouse_key ORDER BY recorded_at LIMIT 1").fetchone()
    return str(row[0]) if row else None


def check_key(con: duckdb.DuckDBPyConnection, key: bytes) -> bool:
    """Refuse, in one sentence, a key other than the one the warehouse was made with; for every command that
    pseudonymises (load, subject-access, erase), before it reads or writes anything. Returns whether there
    was a fingerprint to check against: False for a new warehouse or one from before fingerprints were kept,
    where a writer then calls `record_key` and a reader must trust the key it was given."""
    require_length(key, "the key given")
    was = recorded_fingerprint(con)
    if was is None:
        return False
    given = fingerprint(key)
    if not hmac.compare_digest(was, given):
        raise PseudonymKeyError(
            f"this warehouse was made with key …{was[-4:]}; the key given is …{given[-4:]}, whose pseudonyms would "
            f"never match the warehouse's: set {KEY_ENV} to the warehouse's key or restore its key file from the "
            f"key's own backup (or give a new --db to start a warehouse under this key); nothing was changed")
    return True


def record_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Check the key (`check_key`) and, where the warehouse has no fingerprint yet, record this key's, inside
    the caller's transaction so that a load that fails records nothing. A warehouse loaded before
    fingerprints were kept takes the key of its first load after the upgrade on trust: nothing in it can
    tell whether that is the key its pseudonyms were made with."""
    if not check_key(con, key):
        con.execute("INSERT INTO warehouse_key VALUES (?, now())", [fingerprint(key)])


def _create_key(db_path: Path, path: Path) -> None:
    """A new random key (32 bytes from `secrets`, written as 64 hex characters so it can be pasted into a
    secrets store or MODAUDIT_PSEUDONYM_KEY as it is; mode 0600), made only beside a warehouse or a warehouse
    about to be created (never beside a text file or a folder given as --db by mistake), and put in place
    whole: written to a file of its own, then linked to the key's name, so a load started at the same moment
    reads the same complete key."""
    from core.warehouse import WarehouseError, check_path

    try:
        check_path(db_path, write=True)
    except WarehouseError as exc:
        raise PseudonymKeyError(str(exc)) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another load made the key first: use that one
        finally:
            draft.unlink()
    except OSError as exc:
        raise PseudonymKeyError(f"the pseudonym key file {path} for {db_path} cannot be created ({exc.strerror}); "
                                f"give a --db in a writable folder, or set {KEY_ENV}") from None


def pseudonyms(key: bytes, prefix: str, values: Iterable[str]) -> dict[str, str]:
    """Map each distinct raw value to `prefix-<48 bits of HMAC>`; called once per distinct value, not per row."""
    return {v: pseudonym(key, prefix, v) for v in values}
