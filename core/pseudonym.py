"""The keyed pseudonym itself (HMAC-SHA256) and where the key is kept: shared by the load, which makes the
pseudonyms (etl.pseudonym: key creation, length and fingerprint checks), and the dashboard, which must
recognise a signed-in team member's own pseudonym ("You" on the Team page) without importing the loader.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

KEY_ENV = "MODAUDIT_PSEUDONYM_KEY"


def key_path(db_path: Path) -> Path:
    """The key file beside a warehouse (git-ignored, mode 0600), used when KEY_ENV is not set."""
    return db_path.resolve().parent / ".modaudit-key"


def pseudonym(key: bytes, prefix: str, value: str) -> str:
    """`prefix-<48 bits of HMAC-SHA256 of value under key>`: the same value and key give the same pseudonym in
    every load, and nobody without the key can turn one back into the value."""
    return f"{prefix}-{hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:12]}"


def existing_key(db_path: Path) -> bytes | None:
    """The warehouse's key if one is set or kept beside it, else None. Never makes one: a reader (the
    dashboard) that made a key would make pseudonyms that match nothing the load wrote."""
    env = os.environb.get(os.fsencode(KEY_ENV))
    if env is not None and env.strip():
        return env
    try:
        return key_path(db_path).read_bytes().strip() or None
    except OSError:
        return None
