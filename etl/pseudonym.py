"""Keyed pseudonyms for members of the public and staff (HMAC-SHA256).

The same key gives the same pseudonym across loads, so an account's history joins up; without the key
a pseudonym cannot be turned back into a handle. The key comes from MODAUDIT_PSEUDONYM_KEY or a key file
beside the warehouse, created on first use and git-ignored; it is never written into the warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

KEY_ENV = "MODAUDIT_PSEUDONYM_KEY"


def key_path(db_path: Path) -> Path:
    return db_path.resolve().parent / ".modaudit-key"


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
        return env
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
    return key


def _create_key(db_path: Path, path: Path) -> None:
    """A new random key, made only beside a warehouse or a warehouse about to be created (never beside a
    text file or a folder given as --db by mistake), and put in place whole: written to a file of its own,
    then linked to the key's name, so a load started at the same moment reads the same complete key."""
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
    return {v: f"{prefix}-{hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:12]}" for v in values}
