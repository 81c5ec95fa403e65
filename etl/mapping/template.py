"""The moderation-log workbook a team can start logging in, in the shape the shipped mapping reads.

Teams log in spreadsheets whatever we ship; a workbook whose columns, drop-downs and wording already
match `team-log.toml` (and the policy's own category labels) loads cleanly from the first row. The
columns and lists are derived from that mapping, so the two cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from core.policy import Policy
from core.vocab import CHANNELS, EVENT_LABELS, PLATFORMS, PROTECTED_CHARACTERISTICS, SIGNPOSTS
from etl.mapping.schema import DEFAULT_MAPPING, FIELD_MAPS, Mapping, load_mapping

LOG_SHEET = "Moderation log"
LAST_ROW = 1_048_575  # validations cover the whole sheet, so rows added anywhere get the drop-downs
# Every column of the workbook, in order: the mapping's columns plus a free column for the team.
COLUMNS: dict[str, tuple[str, int]] = {
    "Received": ("When the message or comment came in: date and time, e.g. 03/03/2025 14:30.", 17),
    "Platform": ("Where it was posted.", 13),
    "Post link or ID": ("A link to the post or comment, or the platform's id for it. One per row.", 30),
    "Author": ("The author's handle or profile link. It is pseudonymised when loaded.", 18),
    "Type": ("A comment on our post, a reply, a mention of us, or a direct message.", 16),
    "Needs reply": ("Does it need a reply from us?", 11),
    "What was said": ("The text of the message (optional).", 40),
    "Category": ("Why it matters under our policy. Several: separate them with ';'.", 36),
    "Action taken": ("What we did about it, if anything. Leave blank for no action.", 22),
    "Action time": ("When we took that action (blank: the time it came in).", 17),
    "Action by": ("Who acted (initials are fine). Pseudonymised when loaded.", 12),
    "Reason": ("Why we took the action: the policy needs a reason for blocks, deletions and reports.", 30),
    "Replied at": ("When we first replied, if we did.", 17),
    "Signposted to": ("Where we pointed them (PALS, complaints, urgent help), if anywhere.", 18),
    "Warning sent": ("When we warned the author and asked them to remove the post, if we did.", 17),
    "Reported to platform": ("Did we report it to the platform?", 11),
    "Reported to police": ("Did we report it to the police?", 11),
    "Same person as": ("Another account we have reasonable cause to believe is the same person as the author: its "
                       "platform, a colon and its handle (x:@jo_b, Facebook:jo.bloggs), or just the handle if it is "
                       "on the same platform. It is pseudonymised when loaded.", 22),
    "Notes": ("Anything else, for the team only: notes are not loaded.", 30),
}
CODES: dict[str, tuple[str, ...]] = {"platform": PLATFORMS, "channel": CHANNELS, "signposted_to": SIGNPOSTS,
                                     "protected_characteristic": PROTECTED_CHARACTERISTICS}


def column_roles(mapping: Mapping) -> dict[str, str]:
    """Column → what it holds: 'time', or the value map its words go through (its drop-down)."""
    roles: dict[str, str] = {}
    for name, src in mapping.fields.items():
        if src.column is not None and name in FIELD_MAPS:
            roles[src.column] = FIELD_MAPS[name]
    for event in mapping.events:
        if event.type_column is not None:
            roles[event.type_column] = "event_type"
        roles.update({c.yes: "yes_no" for c in event.when if c.yes is not None})
        roles.update(dict.fromkeys(event.time, "time"))
    roles[mapping.time.column] = "time"
    return roles


def _first_words(words: dict[str, str], codes: tuple[str, ...]) -> list[str]:
    """For each code, the first word the mapping gives it (its display word), else the code itself."""
    first: dict[str, str] = {}
    for word, code in words.items():
        first.setdefault(code, word)
    return [first.get(code, code) for code in codes]


def drop_down_lists(mapping: Mapping, policy: Policy) -> dict[str, list[str]]:
    """The words each value map offers in the workbook, in the policy's own wording."""
    used = set(column_roles(mapping).values())
    yes = next((w for w, v in mapping.yes_no.items() if v), "Yes")
    no = next((w for w, v in mapping.yes_no.items() if not v), "No")
    has_own_column = set(mapping.fixed_types())
    lists = {
        **{section: _first_words(getattr(mapping, section), codes) for section, codes in CODES.items()},
        "yes_no": [yes, no],
        "category": [policy.category_label(c) for c in [*policy.violation_categories, *policy.handling_categories]],
        "event_type": [EVENT_LABELS[a] for a in policy.actions.allowed if a not in has_own_column],
    }
    return {section: words for section, words in lists.items() if section in used}


def write_template(policy: Policy, out: Path) -> None:
    import xlsxwriter

    mapping = load_mapping(DEFAULT_MAPPING)
    unknown = [c for c in mapping.columns() if c not in COLUMNS]
    if unknown:
        raise ValueError(f"{DEFAULT_MAPPING.name} reads columns the template does not write: {unknown}")
    roles = column_roles(mapping)
    lists = drop_down_lists(mapping, policy)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    try:
        header = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#005EB8", "text_wrap": True,
                                "valign": "top", "border": 1})
        when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm", "align": "left"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        bold = wb.add_format({"bold": True})
        title = wb.add_format({"bold": True, "font_size": 14})
        log = wb.add_worksheet(LOG_SHEET)
        info = wb.add_worksheet("Instructions")
        sheet_lists = wb.add_worksheet("Lists")

        ranges: dict[str, str] = {}
        for col, (section, words) in enumerate(lists.items()):
            sheet_lists.write(0, col, section, bold)
            sheet_lists.write_column(1, col, words)
            letter = xlsxwriter.utility.xl_col_to_name(col)
            ranges[section] = f"=Lists!${letter}$2:${letter}${len(words) + 1}"
        sheet_lists.hide()

        for col, (name, (help_text, width)) in enumerate(COLUMNS.items()):
            role = roles.get(name)
            log.write(0, col, name, header)
            log.set_column(col, col, width, when if role == "time" else None)
            rule: dict[str, object] = {"input_title": name[:32], "input_message": help_text}
            if role in ranges:
                # Category and action words may be typed freely (several categories, a new action word):
                # the Upload page lets the team say what a new word means; elsewhere only the listed words make sense.
                loose = role in {"category", "event_type"}
                rule |= {"validate": "list", "source": ranges[role], "error_type": "warning" if loose else "stop",
                         "error_title": name[:32],
                         "error_message": "Not one of the listed words." + (" Keep it anyway?" if loose else "")}
            else:
                rule |= {"validate": "any"}
            log.data_validation(1, col, LAST_ROW, col, rule)
        log.set_row(0, 32)
        log.freeze_panes(1, 0)
        log.autofilter(0, 0, 0, len(COLUMNS) - 1)
        log.activate()

        info.set_column(0, 0, 24)
        info.set_column(1, 1, 90, wrap)
        info.set_column(2, 2, 26)
        info.write(0, 0, f"Moderation log: {policy.name}", title)
        row = 2
        for line in (
            f"Log one row per message or comment that needed moderation, on the '{LOG_SHEET}' sheet.",
            "Fill in what you know and leave the rest blank. Pick words from the drop-downs where there are "
            "some; type dates as day/month/year with a time (03/03/2025 14:30).",
            f"Check the sheet before loading:  modaudit map-check FILE.xlsx --mapping team-log "
            f"--policy {policy.id}",
            f"Load it:  modaudit load FILE.xlsx --db data/warehouse.duckdb --policy {policy.id} --mapping team-log",
            "Or upload it on the dashboard's Upload page, which shows what it will load before anything is written.",
            "A word the mapping does not know (a new category or action) does not load: its row is "
            "quarantined with a reason suggesting the word you may have meant. Correct the cell, or choose what "
            "the word means on the Upload page. Loading the corrected sheet again adds only what is new.",
            "When an author is the same person as another account (a new handle after a block), name that account "
            "in 'Same person as': the two are then counted as one person, and the policy's same action is "
            "expected on both. One other account per row; a third goes on another row.",
        ):
            info.write(row, 1, line)
            row += 1
        row += 1
        info.write(row, 0, "Column", bold)
        info.write(row, 1, "What to put in it", bold)
        for name, (help_text, _width) in COLUMNS.items():
            row += 1
            info.write(row, 0, name)
            info.write(row, 1, help_text)
        row += 2
        info.write_row(row, 0, ["Category", f"What it means under {policy.short_name}'s policy", "Code"], bold)
        kinds = {"a reason to hide, delete or block": policy.violation_categories,
                 "reply or signpost; never a reason to remove": policy.handling_categories}
        for kind, categories in kinds.items():
            for code, label in categories.items():
                row += 1
                info.write_row(row, 0, [label, kind, code])
    finally:
        wb.close()
