"""The closed vocabularies of the canonical log (SPEC §1, §3).

They belong to the input format, not to any one organisation, so they live in code; everything that
differs between organisations lives in the policy presets.
"""

EVENT_TYPES: tuple[str, ...] = (
    "message_received", "response_sent", "categorised", "reviewed_no_action", "warning_sent",
    "author_removed", "hidden", "unhidden", "deleted", "account_restricted", "account_blocked",
    "account_unblocked", "reported_to_platform", "reported_to_police", "legal_referral", "signposted",
    "copy_saved", "copy_deleted", "shared_with_safeguarding",
)
ACCOUNT_EVENTS: tuple[str, ...] = ("account_restricted", "account_blocked", "account_unblocked")
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


EVENT_LABELS: dict[str, str] = {
    "message_received": "Message received", "response_sent": "Reply sent", "categorised": "Categorised",
    "reviewed_no_action": "Reviewed, no action", "warning_sent": "Warning sent",
    "author_removed": "Removed by author", "hidden": "Hidden", "unhidden": "Unhidden", "deleted": "Deleted",
    "account_restricted": "Account restricted", "account_blocked": "Account blocked",
    "account_unblocked": "Account unblocked", "reported_to_platform": "Reported to platform",
    "reported_to_police": "Reported to police", "legal_referral": "Legal referral",
    "signposted": "Signposted", "copy_saved": "Safeguarding copy saved",
    "copy_deleted": "Safeguarding copy deleted", "shared_with_safeguarding": "Shared with safeguarding",
}
