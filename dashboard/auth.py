"""Who is looking, and what they may reach (SPEC §8): local mode, or sign-in with roles.

Without an auth file the dashboard is in local mode: served on loopback only (`modaudit dashboard` sees to
that), one analyst at their own computer, every page. With one (`modaudit dashboard --auth FILE`, passed to
the app as `--auth FILE` after `--`, or MODAUDIT_AUTH for tests), users sign in through OpenID Connect
(`st.login`) and the file's `[roles]` table gives each e-mail its roles.

Roles are enforced where the data are read, not only in the navigation: every data function in
`dashboard.data` asks `require` for the capability its query needs before it opens the warehouse, so a
request crafted for a page that is not in a user's navigation still reaches nothing. The identity comes
from `st.user`, which Streamlit fills on the server from its signed cookie, never from the browser's word.
"""

from __future__ import annotations

import fnmatch
import functools
import getpass
import logging
import os
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from queries import access_log

log = logging.getLogger("modaudit.dashboard")

AUTH_ENV = "MODAUDIT_AUTH"
Role = Literal["leadership", "auditor", "comms", "admin"]
ROLES: tuple[Role, ...] = ("leadership", "auditor", "comms", "admin")
LOCAL_NOTE = "Local mode: no sign-in; only this computer can open it."

# What a role may read, in the terms the data functions ask for (`QUERY_NEEDS`). SPEC §8's table, read as
# capabilities: leadership sees aggregates only (no item, text, pseudonym, evidence or quarantine); auditors
# every analysis page, the evidence and the access log; the comms team its response queue with the text,
# its own team page and the categories; administrators the data quality and the access log.
FRAME = "frame"  # the organisations and dates the sidebar offers: every page with data needs them
OVERVIEW = "overview"
CATEGORIES = "categories"
RESPONSE = "response"  # the response-time figures, without the items behind them
QUEUE = "queue"  # the late and waiting items, their text and timelines
DECISIONS = "decisions"  # the decision figures, without the accounts
PSEUDONYMS = "pseudonyms"  # accounts by pseudonym (repeat offenders)
TEAM = "team"
EVIDENCE = "evidence"  # governance findings, their evidence and exports
QUALITY = "quality"  # loads, checks, quarantine
ACCESS_LOG = "access_log"
REVIEW = "review"  # mark a governance finding justified, action agreed or not a breach (a write)
UPLOAD = "upload"  # preview and load a file, choose what a word means, undo an upload (writes)
LINK = "link"  # record that two accounts are the same person, or end it (a write), on the Decisions page:
# auditors only, since SPEC §8 gives administrators no analysis page (the issue asked for admins too)
PACK = "pack"  # the board pack; the auditor and public packs need EVIDENCE as well
GRANTS: dict[str, frozenset[str]] = {
    "leadership": frozenset({FRAME, OVERVIEW, CATEGORIES, RESPONSE, DECISIONS, PACK}),
    "auditor": frozenset({FRAME, OVERVIEW, CATEGORIES, RESPONSE, QUEUE, DECISIONS, PSEUDONYMS, TEAM, EVIDENCE,
                          ACCESS_LOG, REVIEW, LINK, PACK}),
    "comms": frozenset({FRAME, CATEGORIES, RESPONSE, QUEUE, TEAM, UPLOAD}),
    "admin": frozenset({FRAME, QUALITY, ACCESS_LOG, UPLOAD}),
}
EVERYTHING = frozenset().union(*GRANTS.values())
# Each governance pack and every capability it needs (all of them): the board pack is figures only; the auditor's
# holds the evidence, and SPEC §8 gives the public pack to auditors too (it is published on their word).
PACK_NEEDS: dict[str, frozenset[str]] = {
    "board": frozenset({PACK}), "auditor": frozenset({PACK, EVIDENCE}), "public": frozenset({PACK, EVIDENCE})}
# Each named query and the capabilities that reach it (any one will do). A query not listed here is
# refused to every signed-in user: a new query is closed until someone says who may read it.
QUERY_NEEDS: dict[str, frozenset[str]] = {name: frozenset(caps) for name, caps in {
    "warehouse_policies": {FRAME}, "scope_options": {FRAME}, "as_of": {FRAME},
    "summary_items": {OVERVIEW, RESPONSE}, "summary_response": {OVERVIEW, RESPONSE},
    "summary_categories": {OVERVIEW}, "summary_actions": {OVERVIEW}, "actions_by_month": {OVERVIEW},
    "response_status_by_period": {OVERVIEW, RESPONSE, TEAM},
    "categories_by_month": {CATEGORIES}, "categories_by_platform": {CATEGORIES}, "hate_strands": {CATEGORIES},
    "receipt_heatmap": {CATEGORIES}, "category_change": {CATEGORIES},
    "business_hours_distribution": {RESPONSE}, "out_of_hours_by_week": {RESPONSE},
    "breaches": {QUEUE}, "pending_queue": {QUEUE}, "item_timeline": {QUEUE, EVIDENCE},
    "action_ladder": {DECISIONS}, "time_to_action": {DECISIONS}, "category_action_matrix": {DECISIONS},
    "governance/account_history": {PSEUDONYMS},
    "governance/linked_accounts": {PSEUDONYMS},
    "moderator_activity": {TEAM}, "moderator_response": {TEAM}, "moderator_practice": {TEAM},
    "events_by_id": {EVIDENCE}, "finding_reviews": {EVIDENCE}, "finding_review_history": {EVIDENCE},
    "load_runs": {QUALITY}, "validation_results": {QUALITY}, "quarantine": {QUALITY},
    "uploads": {UPLOAD}, "upload_rows": {UPLOAD}, "mapping_choices": {UPLOAD},
}.items()}


class Forbidden(Exception):
    """The user's roles do not reach what was asked for: raised before any query runs."""


class AuthFileError(Exception):
    """The auth file cannot be used: one line naming the file and the field at fault."""


class OidcSettings(BaseModel):
    """Streamlit's `[auth]` table (st.login's single provider), checked here so that a typo is one line at
    start-up rather than a failed sign-in in the browser."""

    model_config = ConfigDict(extra="allow")  # Streamlit's own extras (client_kwargs, expose_tokens) pass through

    redirect_uri: str
    cookie_secret: str = Field(min_length=16)
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    server_metadata_url: str

    @field_validator("redirect_uri")
    @classmethod
    def _callback(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.rstrip("/").endswith("/oauth2callback"):
            raise ValueError("must be the dashboard's address ending in /oauth2callback, "
                             "e.g. https://dashboard.trust.example/oauth2callback")
        return value

    @field_validator("server_metadata_url")
    @classmethod
    def _metadata(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the provider's http(s) address of .well-known/openid-configuration")
        return value


class AuthFile(BaseModel):
    """The auth file: Streamlit's `[auth]` table, `[roles]` (e-mail or `*@domain` pattern → role or roles),
    optional `[staff]` (a comms e-mail → the staff name their work is logged under) and `contact`, whom a
    user without a role should ask."""

    model_config = ConfigDict(extra="forbid")

    contact: str = "the dashboard's administrator"
    auth: OidcSettings
    roles: dict[str, list[Role]] = Field(default_factory=dict)
    staff: dict[str, str] = Field(default_factory=dict)

    @field_validator("roles", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """A single role may be written bare (`"a@b" = "auditor"`); e-mails are compared in lower case."""
        if isinstance(value, Mapping):
            return {str(k).strip().lower(): [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("roles")
    @classmethod
    def _emails(cls, value: dict[str, list[Role]]) -> dict[str, list[Role]]:
        for who in value:
            if "@" not in who:
                raise ValueError(f"{who!r} is not an e-mail address or a pattern such as '*@trust.example'")
        return value

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: dict[str, str]) -> dict[str, str]:
        return {k.strip().lower(): v.strip() for k, v in value.items()}

    def roles_for(self, email: str) -> frozenset[str]:
        """The e-mail's own entry if it has one; else every pattern it matches (the default for a domain)."""
        email = email.strip().lower()
        if not email:
            return frozenset()
        if email in self.roles:
            return frozenset(self.roles[email])
        return frozenset(r for who, roles in self.roles.items() if any(c in who for c in "*?[")
                         and fnmatch.fnmatchcase(email, who) for r in roles)


def load_auth_file(path: str | Path) -> AuthFile:
    """The auth file, validated; AuthFileError (one line) when it is missing, not TOML or not as described."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuthFileError(f"auth file {path}: cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuthFileError(f"auth file {path}: not valid TOML ({exc})") from None
    try:
        return AuthFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise AuthFileError(f"auth file {path}: {where}: {first['msg']}{more}") from None


def auth_path(argv: list[str] | None = None) -> str | None:
    """The auth file named by `--auth FILE` after `--` on the command line, or by MODAUDIT_AUTH."""
    argv = sys.argv if argv is None else argv
    if "--auth" in argv[:-1]:
        return str(Path(argv[argv.index("--auth") + 1]).resolve())
    return os.environ.get(AUTH_ENV) or None


@functools.lru_cache(maxsize=4)
def _cached(path: str, stamp: float) -> AuthFile:
    return load_auth_file(path)


def auth_file() -> AuthFile | None:
    """The configured auth file (None in local mode), read again when it changes: a role given or taken
    away applies from the user's next click, without a restart."""
    path = auth_path()
    if path is None:
        return None
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        stamp = 0.0
    return _cached(path, stamp)


@dataclass(frozen=True)
class Access:
    """One user's access: local mode (everything), signed in (their roles' capabilities), or signed out."""

    mode: Literal["local", "signed-in", "signed-out"]
    email: str = ""
    roles: frozenset[str] = frozenset()
    staff: str | None = None  # the staff name they log under, for "You" on the Team page
    contact: str = ""
    verified: bool = True  # False: the provider says it has not verified the e-mail, so no role is given
    capabilities: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        caps = EVERYTHING if self.mode == "local" else frozenset().union(*(GRANTS[r] for r in self.roles))
        object.__setattr__(self, "capabilities", caps)

    @property
    def user(self) -> str:
        return self.email if self.mode == "signed-in" else self.mode

    @property
    def recorded_as(self) -> str:
        """Who an act on the dashboard (a review, a word's meaning, a link) is recorded as: the signed-in e-mail,
        or in local mode (one analyst at their own computer, no sign-in) the operating-system user."""
        return self.email if self.mode == "signed-in" else getpass.getuser()

    @property
    def role_text(self) -> str:
        return "local" if self.mode == "local" else ",".join(r for r in ROLES if r in self.roles) or "none"

    def may(self, capability: str) -> bool:
        return capability in self.capabilities

    def reaches(self, roles: Iterable[str]) -> bool:
        """Whether a page open to `roles` is open to this user (local mode: every page)."""
        return self.mode == "local" or bool(self.roles & set(roles))


LOCAL = Access("local")
SIGNED_OUT = Access("signed-out")


def current() -> Access:
    """The access of the session running now. Outside a script run (a download made after the page, a
    thread of our own) a signed-in user cannot be known, so nothing is reached unless in local mode."""
    config = auth_file()
    if config is None:
        return LOCAL
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None or not st.user.get("is_logged_in", False):
        return SIGNED_OUT
    email = str(st.user.get("email") or "").strip().lower()
    if st.user.get("email_verified") is False:  # a provider that lets anyone claim an address says so here
        return Access("signed-in", email, frozenset(), None, config.contact, verified=False)
    return Access("signed-in", email, config.roles_for(email), config.staff.get(email), config.contact)


def require(access: Access, *capabilities: str) -> None:
    """Raise Forbidden unless `access` has one of `capabilities` (called before a query opens the warehouse)."""
    if not any(access.may(c) for c in capabilities):
        raise Forbidden(f"{access.user} ({access.role_text}) may not read {' or '.join(capabilities)}")


def require_query(access: Access, name: str) -> None:
    """Raise Forbidden unless `access` may run the named query (an unlisted query: local mode only)."""
    needs = QUERY_NEEDS.get(name)
    if needs is None:
        if access.mode != "local":
            raise Forbidden(f"{access.user} ({access.role_text}) may not run {name}: no role reaches it")
        return
    require(access, *needs)


def record(access: Access, db: str, action: str, page: str | None = None, detail: str | None = None,
           rows: int | None = None) -> None:
    """Append to the access log beside the warehouse. Signed in, a failed write stops the page (what cannot
    be logged is not shown); in local mode it is only noted in the server log: one analyst at their own
    computer, perhaps on a warehouse in a folder they may not write to."""
    if not Path(db).is_file():
        return  # no warehouse, nothing of it shown: nothing to account for
    try:
        access_log.record(db, access_log.Entry(access.user, access.role_text, action, page, detail, rows))
    except Exception:
        if access.mode != "local":
            raise
        log.warning("the access log beside %s could not be written", db, exc_info=True)
