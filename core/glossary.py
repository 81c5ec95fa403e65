"""The words the dashboard and the reports use, defined once in plain English.

An auditor has to be able to say what each figure counts. The definitions are data, here in `core/` (which
imports nothing of ours), so that the dashboard's Glossary page and the PDF pack read the same text and
cannot drift apart. The governance rules are keyed by their field in `core.policy.Rules`, and a test checks
that every rule there has an entry; a new rule needs its sentence here.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    term: str
    meaning: str
    also: str = ""  # another name the same figure goes by on a page, if any


# The auditor's review of a finding: each status, in the order offered, and what choosing it says. Every
# status but open needs a note saying why; the latest review of a finding is its status.
REVIEW_STATUSES: dict[str, str] = {
    "open": "Not reviewed yet, or reopened by new evidence: the finding still needs an answer.",
    "justified": "The decision was right although the rule flags it; the note says why (for example, the "
                 "warning was given by phone).",
    "action agreed": "The finding stands and the team has agreed what to do; the note says what (for "
                     "example, retraining on the rule).",
    "not a breach": "The rule's test was misled by the log, not by the decision; the note says how (for "
                    "example, the category was recorded late).",
}
OPEN = "open"

# Section → its terms, in the order a reader meets them.
TERMS: dict[str, tuple[Term, ...]] = {
    "Messages and replies": (
        Term("Messages received",
             "Comments, replies, mentions and direct messages that reached the organisation's pages in the "
             "period, each counted once however many things then happened to it. The period is about when "
             "a message arrived, not when it was dealt with."),
        Term("Needing a reply",
             "Messages that asked for, or needed, an answer from the team. Only these are measured against "
             "the reply deadline."),
        Term("Answered on time",
             "A message needing a reply whose first reply (or signposting, which counts as a reply) came at "
             "or before its deadline.", "On time"),
        Term("Late",
             "A message needing a reply whose first reply came after its deadline, or which still had no "
             "reply when its deadline passed."),
        Term("Not yet due",
             "A message needing a reply that has had no reply yet but whose deadline has not passed. It is "
             "left out of the on-time rate until it is answered or becomes late."),
        Term("On-time rate",
             "Answered on time ÷ (answered on time + late), as a whole percentage rounded half-up. Messages "
             "not yet due are not counted either way.", "Share on time"),
        Term("Typical reply time",
             "The median office-hours reply time: half of the replies came within this many office hours of "
             "the message arriving. Only office hours on working days count, so a message that arrives on "
             "Friday evening and is answered at 10:00 on Monday took about one office hour.",
             "Median reply time"),
        Term("Out of office hours",
             "Messages that arrived in the evening, at the weekend or on a bank holiday."),
    ),
    "Working time": (
        Term("Working day",
             "Monday to Friday (or the organisation's own office days), except the bank holidays of its "
             "region."),
        Term("Office hours",
             "The organisation's opening hours on a working day, in its local time (for example 09:00 to "
             "17:00), correct across the change between GMT and BST."),
        Term("Receipt day",
             "The working day a message counts as arriving on: the day it arrived if that is a working day "
             "and it came before the end of office hours, otherwise the next working day. A message at "
             "07:00 on a working day counts on that day."),
        Term("Deadline",
             "The end of office hours on the working day after the receipt day (the policy's target: a reply "
             "by the end of the same or next working day)."),
        Term("Status as of",
             "The time every status is worked out at: the latest event loaded for the organisation. When the "
             "data end more than a week before today, each page says so in a banner."),
    ),
    "Decisions": (
        Term("Categories",
             "The reasons in the organisation's published policy, in its own words. A message carries every "
             "category recorded on any of its events and counts once in each. Violation categories are "
             "breaches of the policy; handling categories (complaints, care questions, feedback) call for "
             "signposting, not removal. Charts give the seven commonest a colour each and group the rest "
             "as \"Other categories\"."),
        Term("Removals by the team",
             "Posts the team hid or deleted, counted as actions: a post hidden and then deleted counts twice."),
        Term("Removed by the author",
             "Posts the author took down themselves. They are shown apart and never counted as the team's "
             "removals."),
        Term("Accounts blocked", "Accounts the team blocked from the organisation's pages, counted as actions."),
        Term("Linked accounts (same person)",
             "Accounts the team has reasonable cause to believe are one person's, recorded as a link with "
             "who made it and why (\"Same person as\" in the team workbook, or on the Decisions page). Links "
             "join up: if A is linked to B and B to C, all three are one person, on any platforms, until a link "
             "is ended. The account history lists each person as one row with all their accounts, and a "
             "person's warnings and removed posts count together (rule G2)."),
        Term("Reported to platform / police",
             "Reports the team made to the social-media platform, and to the police, counted as actions."),
        Term("Action ladder",
             "The actions in order of severity, mildest first: warned, removed, restricted or blocked, "
             "reported."),
        Term("Hate-crime strands",
             "The protected characteristic recorded on a hate-crime item (race, religion or belief, "
             "disability, sexual orientation, transgender identity), or \"not recorded\"."),
    ),
    "Governance": (
        Term("Posts and accounts with findings",
             "Posts and accounts with at least one decision the published policy does not support (rules "
             "G1–G7 and G9), each counted once even when it is found under two rules. A rule's own count is its "
             "distinct posts and accounts, however many decisions they rest on."),
        Term("Finding",
             "A decision, or a missing decision, that a governance rule says the published policy does not "
             "support. It is a question for the team to answer, not a verdict. A finding is one rule and one "
             "post or account (for moderator consistency, one moderator in one category), with the events "
             "that prove it."),
        *(Term(f"{status.capitalize()} (review status)", meaning) for status, meaning in REVIEW_STATUSES.items()),
        Term("Reopened",
             "A reviewed finding whose evidence has changed since its review (a later load added a decision "
             "that bears on it). It is open again, and says when and by whom it was last reviewed, so the "
             "review is made again on what is known now."),
        Term("Open findings",
             "Findings of rules G1–G7 and G9 not yet reviewed, or reopened, each rule and post or account counted "
             "once. The Overview says beside it how many of the period's findings have been reviewed."),
    ),
    "The data": (
        Term("Quarantined rows",
             "Rows of a loaded file that failed a check (an unknown platform, a time that does not parse, a "
             "missing field). They are kept, with the file, the row number and every reason, on the Data "
             "quality page, and are not in any figure until a corrected file is loaded."),
        Term("Pseudonyms",
             "Account ids and staff names are replaced when the file is loaded by a keyed code (acct-…, "
             "staff-…). The same person always gets the same code, so patterns can be audited without the "
             "dashboard showing who they are; only someone holding the key can link a code to a name."),
    ),
}

# Each governance rule (the field names of `core.policy.Rules`): what it tests, in plain English. The
# windows and thresholds are the presets' defaults; a page can add the organisation's own clause.
RULES: dict[str, str] = {
    "G1_removal_without_violation":
        "A removal-type action (hiding or deleting a post, restricting or blocking an account) with no "
        "violation category behind it: no category at all, or handling categories only (negative feedback "
        "is not a reason to remove).",
    "G2_block_without_warning":
        "An account blocked without a warning to that account in the 30 days before, unless the block's "
        "category calls for immediate action (an allegation against staff, violent or threatening content) "
        "or the account is a repeat offender (3 or more posts removed in the 90 days before). Accounts "
        "linked as one person count together: a warning to any of them counts, and so do their removed posts.",
    "G3_police_report_outside_policy":
        "A report to the police whose category is not one the policy names for police reports (violent or "
        "threatening, hate or discrimination, defamatory or false, illegal activity, an allegation against "
        "staff), or that has no written reason.",
    "G4_warning_not_followed_up":
        "A warning after which the post was neither removed nor the account blocked by the end of office "
        "hours on the 5th working day after the warning's receipt day; found only once that deadline has "
        "passed.",
    "G5_not_signposted":
        "A message in a handling category that should be signposted (individual care, a complaint, a "
        "clinical question, a crisis) that had not been signposted when its reply deadline passed.",
    "G6_decision_without_rationale":
        "A serious decision (a block, a deletion, a report to the platform or police, a legal referral) with "
        "no written reason.",
    "G7_copy_kept_too_long":
        "A copy of a post saved as evidence and not deleted within 365 days, once those 365 days have "
        "passed.",
    "G8_moderator_inconsistency":
        "In a category with at least 20 decided messages, a moderator whose share of messages removed "
        "differs from the rest of the team's by more than chance explains (a two-proportion test, "
        "p < 0.01). It names moderators, not posts.",
    "G9_linked_account_not_actioned":
        "An account linked to a blocked account as the same person, and not blocked itself by the end of "
        "office hours on the 5th working day after the block (or after the link, if the link came later); "
        "found only once that deadline has passed. It names the account left unblocked.",
}

# The public pack's small-number rule (report/suppress.py), in its glossary; `{n}` is the organisation's
# threshold (its preset's `suppress_below`, 5 unless it sets another) and `{below}` the largest count hidden.
SMALL_NUMBERS: tuple[Term, ...] = (
    Term("Fewer than {n}",
         "A count from 1 to {below}. Counts that small could point at the people behind them, so this report "
         "does not print them, and lists them last, by name (their place in a list by size would say which is "
         "larger). Zero is printed: it points at no one."),
    Term("Withheld",
         "A figure left out so that a hidden count cannot be worked out from the others. Where a total is "
         "printed with the counts that make it up (messages needing a reply: answered on time, late and still "
         "waiting), one hidden count could be found by subtraction; so the smallest other count of that group "
         "is withheld too, or the total where there is no other. A rate, a median or a change worked out from "
         "a hidden count is withheld with it."),
)
