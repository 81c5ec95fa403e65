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


def load_key(db_path: Path) -> bytes:
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = key_path(db_path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonyms(key: bytes, prefix: str, values: Iterable[str]) -> dict[str, str]:
    """Map each distinct raw value to `prefix-<48 bits of HMAC>`; called once per distinct value, not per row."""
    return {v: f"{prefix}-{hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:12]}" for v in values}
