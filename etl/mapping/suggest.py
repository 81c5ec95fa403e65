""""Did you mean …?": the known word closest to one a team typed that no map covers.

A person fixing a typo wants the word to type, in the words they see, so an unmapped word is matched against
the words the load knows and offered as the workbook's drop-down says it: for a category, the policy's own
wording. The dry run (`check`), the load's quarantine reasons (`expand`) and the Upload page all offer the
same word, from here.
"""

from __future__ import annotations

import difflib
import re

from core.policy import Policy
from etl.mapping.schema import Mapping, norm
from etl.mapping.values import category_words, value_map

# How alike a typed word and a known one must be to be offered (difflib's ratio): "Sweering" and "swearing"
# are 0.88, "Insta" and "instagram" 0.71; below 0.6 a guess misleads more than it helps.
SUGGEST_CUTOFF = 0.6
# Words of a category label short enough to be a team's own shorthand for it are offered only when longer
# than this ("or", "the", "of" would match anything).
LABEL_WORD_MIN = 4


def offered_words(mapping: Mapping, section: str, policy: Policy | None) -> dict[str, str]:
    """Normalised known word → the word to offer for its code: a category's label in the policy's own
    wording (the workbook's drop-down), any other code's first word in the mapping (also its drop-down)."""
    known = value_map(mapping, section, policy)
    shown: dict[str, str] = {}
    for word, code in getattr(mapping, section).items():
        shown.setdefault("true" if code is True else "false" if code is False else str(code), word)
    if section == "category":
        if policy is not None:
            shown = {code: policy.category_label(code) for code in policy.category_codes}
        # A label's own words, each standing for its code where no other label has it ("swearing").
        by_word: dict[str, set[str]] = {}
        for code in set(category_words(policy).values()):
            label = policy.category_label(code) if policy is not None else code
            for word in re.findall(r"[^\W\d_]+", label.casefold()):
                if len(word) > LABEL_WORD_MIN:
                    by_word.setdefault(word, set()).add(code)
        known = {**{w: next(iter(c)) for w, c in by_word.items() if len(c) == 1}, **known}
    return {word: shown.get(code, code) for word, code in known.items() if code}  # '' maps to nothing


def suggest(value: str, words: dict[str, str]) -> str | None:
    """The known word closest to `value` (difflib), as it is offered; None when none is close enough."""
    close = difflib.get_close_matches(norm(value), list(words), n=1, cutoff=SUGGEST_CUTOFF)
    return words[close[0]] if close else None
