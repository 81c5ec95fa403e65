"""What the public posts and what the team writes: message texts, how common each kind of post is, staff, rationales.

Kept apart from the simulation so that the words and the shares can be read and tuned without the numpy.
Codes come from the preset: a code a preset adds that is not listed here still gets a weight and a stock
text, so a new organisation needs no edit here.
"""

from __future__ import annotations

from core.policy import Policy

# Where posts come from, how they arrive, and which protected characteristic a hateful one targets.
PLATFORM_MIX = {"facebook": 0.36, "x": 0.22, "instagram": 0.22, "linkedin": 0.06, "youtube": 0.05,
                "tiktok": 0.05, "threads": 0.03, "other": 0.01}
CHANNEL_MIX = {"comment": 0.5, "reply": 0.2, "mention": 0.12, "direct_message": 0.18}
PROTECTED_MIX = {"race": 0.35, "religion": 0.2, "disability": 0.12, "sexual_orientation": 0.15,
                 "transgender_identity": 0.12, "other": 0.06}

# How common each kind of post is (relative); a code a preset adds that is not listed here gets weight 1
# (violations) or 3 (handling). Violations are scaled to their share per kind of account below.
VIOLATION_WEIGHT = {"profanity": 5, "abuse": 4, "trolling": 3, "spam": 2.5, "advertising": 2.5,
                    "mean_spirited": 2, "hate_discrimination": 1.5, "violent_threatening": 1.5,
                    "targeting_staff": 1.2, "defamatory_false": 1.2, "intimidation": 1, "allegation_against_staff": 1,
                    "inappropriate_links": 1, "illegal_activity": 0.8, "personal_information": 0.8,
                    "sexually_explicit": 0.5}
HANDLING_WEIGHT = {"general_enquiry": 12, "negative_feedback": 12, "individual_care": 8, "complaint": 7,
                   "clinical_question": 7, "crisis": 1.5}
PLAIN_WEIGHT = 45.0  # praise, thanks, chat: no category at all
VIOLATION_SHARE = {"ordinary": 0.04, "troll": 0.6}
TROLL_SHARE, TROLL_ACTIVITY = 0.03, 3.0
# A handling code that often comes with a second one.
COMPANION = {"complaint": "individual_care", "individual_care": "complaint", "negative_feedback": "complaint",
             "clinical_question": "individual_care"}
NEEDS_RESPONSE = {"plain": 0.4, "violation": 0.15, "general_enquiry": 0.95, "negative_feedback": 0.55,
                  "individual_care": 0.95, "complaint": 0.95, "clinical_question": 0.95, "crisis": 0.97}
NEEDS_RESPONSE_OTHER_HANDLING = 0.7

STAFF = ("Alex Morgan", "Priya Shah", "Sam Evans", "Jordan Lee", "Ffion Davies", "Chris Walker",
         "Amira Hassan", "Tom Baker")

# Why a decision was taken, and how often one is written down (the rest feed rule G6).
RATIONALES: dict[str, tuple[float, tuple[str, ...]]] = {
    "reviewed_no_action": (0.5, ("negative feedback, within our principles", "no breach found",
                                 "criticism is allowed; left up", "off-topic but harmless")),
    "warning_sent": (0.95, ("explained which principle the post breaks and asked the author to remove it",
                            "warned about offensive language; asked to delete", "asked to remove staff names")),
    "author_removed": (0.0, ()),
    "hidden": (0.75, ("breaks our community principles", "offensive language", "abusive towards staff",
                      "hidden pending review", "advertising")),
    "deleted": (0.85, ("threatening content", "personal information shared", "spam", "repeat breach after warning",
                       "abusive towards staff")),
    "account_restricted": (0.8, ("limited while repeated posts are reviewed", "posting limited after removals")),
    "account_blocked": (0.88, ("repeat offender, warned before", "threats against staff",
                               "third removal in 90 days", "did not remove the post after a warning")),
    "account_unblocked": (0.9, ("appeal upheld", "block period ended")),
    "reported_to_platform": (0.85, ("reported as harassment", "reported as spam", "reported as hate speech",
                                    "reported as a threat")),
    "reported_to_police": (0.92, ("threat of violence against named staff", "hate crime reported",
                                  "possible criminal activity", "threat made against a ward")),
    "legal_referral": (0.95, ("defamatory claims about named staff; referred to legal services",)),
    "copy_saved": (0.9, ("safeguarding risk: copy kept offline", "evidence kept for a police report")),
    "copy_deleted": (0.8, ("retention period ended", "no longer needed")),
    "shared_with_safeguarding": (0.9, ("concern for welfare shared with the safeguarding team",
                                       "risk to a child; safeguarding informed")),
}

PLAIN_TEXTS = (
    "Thank you to the staff on ward 12, you were amazing with my mum ❤️",
    "Great to see this service opening in our area",
    "Shared! Everyone should know about this",
    "Brilliant work by the community team this week 👏",
    "Well done all, proud of our NHS",
    "Love this initiative 🙌",
    "My daughter had her jab here today, really smooth, thank you",
    "Happy retirement Jean, you'll be missed!",
    "Line one\nline two, with a comma",
    "Is this the same as the event last year?",
)
TEXTS: dict[str, tuple[str, ...]] = {
    "general_enquiry": ("What are the visiting times on the wards at the moment?",
                        "Is there parking at the new clinic?",
                        "Hi, how do I get a copy of my records?", "Are you recruiting healthcare assistants?",
                        "Which number do I ring to change an appointment?",
                        "Is the walk-in centre open on bank holidays?", "Do you have this leaflet in Welsh?"),
    "negative_feedback": ("Waited 4 hours in A&E last night. Not good enough.",
                          "Why has my appointment been cancelled AGAIN?? 3rd time, ridiculous",
                          "The car park charges are a disgrace", "Nobody answers the phone, what's the point",
                          '"Caring" my foot. Six months on the waiting list and still nothing',
                          "Spending money on logos instead of nurses, typical"),
    "individual_care": ("My dad has been on ward 4 for a week and nobody has told us the plan",
                        "Can someone call me about my son's referral? It's been 10 weeks",
                        "My mum's medication was missed again yesterday, who do I speak to",
                        "I was discharged without my prescription, what do I do now?"),
    "complaint": ("I want to make a formal complaint about how I was treated at the clinic",
                  "The receptionist was incredibly rude to my elderly father today",
                  "How do I complain? My referral was lost twice",
                  "Complaint: my wife was left in a corridor for 6 hours"),
    "clinical_question": ("Can I take ibuprofen with my new tablets?", "Is it normal to feel dizzy after the booster?",
                          "How long should I wait before driving after the procedure?",
                          "My rash is spreading, should I be worried?"),
    "crisis": ("I don't feel safe tonight and don't know who to call", "I can't cope anymore. Please help",
               "My friend says she's going to hurt herself, what do we do",
               "Feeling really low, everything is too much right now"),
    "profanity": ("This place is a f***ing joke", "Absolute sh*te service as usual", "What a load of b*llocks",
                  "Bl**dy useless the lot of you"),
    "abuse": ("You are all useless and should be sacked", "Pathetic, lazy staff who don't care",
              "Idiots running this place into the ground"),
    "violent_threatening": ("Someone should sort that receptionist out properly",
                            "Keep this up and I'll come down there and make you regret it",
                            "Watch your back when you leave work tonight"),
    "hate_discrimination": ("[discriminatory remark about a nurse's religion]",
                            "[slur] shouldn't be working in the NHS",
                            "[hateful comment about disabled patients]"),
    "intimidation": ("I know which ward you work on and I'll be waiting",
                     "We'll be outside the clinic every day until you listen"),
    "targeting_staff": ("Dr Smith on ward 3 is a disgrace, everyone report her",
                        "Everyone tell Nurse Jones what you think of her, she's on nights at the Royal"),
    "allegation_against_staff": ("That nurse stole from my gran, I'm telling everyone",
                                 "The manager at the unit is hurting patients and you're covering it up"),
    "defamatory_false": ("The trust is secretly selling our data to insurers",
                         "Their chief exec took bribes, everyone knows",
                         "The vaccines at this clinic are contaminated, don't go"),
    "inappropriate_links": ("lol look at this bit.ly/not-safe-for-work", "Watch this instead >>> hxxp://dodgy.example/video"),
    "illegal_activity": ("Anyone selling diazepam? DM me", "Can get you a sick note for £20, message me"),
    "personal_information": ("This is the home address of the nurse who treated me: 14 Acacia Road",
                             "Mrs K's NHS number is 485 777 3456, she was on ward 9"),
    "advertising": ("Buy cheap followers at example dot com!!! 🚀🚀", "Earn £500 a day from home, link in bio",
                    "Best CBD oil for anxiety, 20% off today"),
    "sexually_explicit": ("[sexually explicit content]", "[obscene image]"),
    "spam": ("FREE IPHONE CLICK HERE", "Sign the petition!!! Sign the petition!!! Sign the petition!!!"),
    "trolling": ("Who cares, the NHS should be scrapped anyway", "First!",
                 "Flat earth is real and so is your incompetence"),
    "mean_spirited": ("Hope your funding gets cut, you deserve it",
                      "Bet the staff laugh at patients behind their backs"),
}
OTHER_VIOLATION_TEXTS = ("This post breaks the rules, trust me", "[offensive content]")
OTHER_HANDLING_TEXTS = ("Can someone get back to me please?", "Who do I speak to about this?")


def text_pools(policy: Policy, codes: list[str]) -> list[tuple[str, ...]]:
    """Message texts per kind (the preset's codes, then "no category"), in the order `Items.kind` counts them."""
    n_violations = len(policy.violation_categories)
    return [TEXTS.get(c, OTHER_VIOLATION_TEXTS if i < n_violations else OTHER_HANDLING_TEXTS)
            for i, c in enumerate(codes)] + [PLAIN_TEXTS]
