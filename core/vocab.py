"""The closed vocabularies of the canonical log (SPEC §1, §3).

They belong to the input format, not to any one organisation, so they live in code; everything that
differs between organisations lives in the policy presets.
"""

from collections.abc import Iterable

EVENT_TYPES: tuple[str, ...] = (
    "message_received", "response_sent", "categorised", "reviewed_no_action", "warning_sent",
    "author_removed", "hidden", "unhidden", "deleted", "account_restricted", "account_blocked",
    "account_unblocked", "reported_to_platform", "reported_to_police", "legal_referral", "signposted",
    "copy_saved", "copy_deleted", "shared_with_safeguarding", "account_linked", "account_unlinked",
)
# Two accounts believed to be the same person, and the end of that belief: the event's account names the
# other in `linked_platform` and `linked_account_id` (SPEC §1). A person is a group of accounts linked so.
LINK_EVENTS: tuple[str, ...] = ("account_linked", "account_unlinked")
ACCOUNT_EVENTS: tuple[str, ...] = ("account_restricted", "account_blocked", "account_unblocked", *LINK_EVENTS)
REPLY_EVENTS: tuple[str, ...] = ("response_sent", "signposted")
REMOVAL_EVENTS: tuple[str, ...] = ("hidden", "deleted", "account_restricted", "account_blocked")
# A decision on an item, for G8: removing it or deliberately leaving it up.
DECISION_EVENTS: tuple[str, ...] = (*REMOVAL_EVENTS, "reviewed_no_action")

# The category whose items are hate crime, split by `protected_characteristic` into strands (SPEC §1, §3).
HATE_CATEGORY = "hate_discrimination"

PLATFORMS: tuple[str, ...] = ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "threads", "other")
CHANNELS: tuple[str, ...] = ("comment", "reply", "mention", "direct_message")
PROTECTED_CHARACTERISTICS: tuple[str, ...] = (
    "race", "religion", "disability", "sexual_orientation", "transgender_identity", "other",
)
SIGNPOSTS: tuple[str, ...] = ("pals", "complaints", "need_help_now", "emergency_999", "email", "other_team")
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no")

CANONICAL_COLUMNS: tuple[str, ...] = (
    "event_id", "event_time", "event_type", "platform", "item_id", "account_id", "channel",
    "needs_response", "category", "protected_characteristic", "actor", "signposted_to", "rationale", "text",
)
# The columns only a link event fills (SPEC §1): read like the others, but apart from them, so a log without
# links (every demo log) is written exactly as before they existed.
LINK_COLUMNS: tuple[str, ...] = ("linked_platform", "linked_account_id")
INPUT_COLUMNS: tuple[str, ...] = (*CANONICAL_COLUMNS, *LINK_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = ("event_time", "event_type", "platform")

PLATFORM_LABELS: dict[str, str] = {
    "x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok", "threads": "Threads", "other": "Other",
}
CHANNEL_LABELS: dict[str, str] = {
    "comment": "Comment", "reply": "Reply", "mention": "Mention", "direct_message": "Direct message",
}


def rule_label(rule: str) -> str:
    """'G5_not_signposted' → 'G5 · Not signposted': the one way a rule is named to a person."""
    number, _, words = rule.partition("_")
    return f"{number} · {words.replace('_', ' ').capitalize()}" if words else rule


def rule_span(rules: Iterable[str]) -> str:
    """The rules' numbers as a person writes them: 'G1–G7 and G9', 'G1, G3, G5 and G6' (a run of three or
    more joined by a dash), so that a sentence about a policy's rules names the ones it has switched on."""
    numbers = sorted({int(rule.partition("_")[0].lstrip("G")) for rule in rules})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"G{r[0]}–G{r[-1]}" if len(r) >= 3 else ", ".join(f"G{n}" for n in r) for r in runs]
    words = ", ".join(parts).split(", ")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


EVENT_LABELS: dict[str, str] = {
    "message_received": "Message received", "response_sent": "Reply sent", "categorised": "Categorised",
    "reviewed_no_action": "Reviewed, no action", "warning_sent": "Warning sent",
    "author_removed": "Removed by author", "hidden": "Hidden", "unhidden": "Unhidden", "deleted": "Deleted",
    "account_restricted": "Account restricted", "account_blocked": "Account blocked",
    "account_unblocked": "Account unblocked", "reported_to_platform": "Reported to platform",
    "reported_to_police": "Reported to police", "legal_referral": "Legal referral",
    "signposted": "Signposted", "copy_saved": "Safeguarding copy saved",
    "copy_deleted": "Safeguarding copy deleted", "shared_with_safeguarding": "Shared with safeguarding",
    "account_linked": "Accounts linked (same person)", "account_unlinked": "Accounts unlinked",
}
