"""Opening codes, grades, closing codes, digital subjects and incident narratives.

Narratives carry the keywords triage looks for ("feel low and alone", "neighbour again
damaged car", "hoax"), so a suggestion built on them has something real to find.
"""
from __future__ import annotations

import numpy as np

GRADES = ("IMMEDIATE", "PRIORITY", "SCHEDULED", "RESOLUTION")

# code: (grade weights IMMEDIATE/PRIORITY/SCHEDULED/RESOLUTION, closing codes, digital subject)
CODES: dict[str, tuple[tuple[float, ...], tuple[str, ...], str]] = {
    "CONCERN_WELFARE": ((0.25, 0.45, 0.15, 0.15), ("WELFARE_CHECK_COMPLETE", "ADVICE_GIVEN", "REFERRED_PARTNER_AGENCY", "NO_TRACE"), "Concern for someone's welfare"),
    "MENTAL_HEALTH": ((0.25, 0.40, 0.10, 0.25), ("REFERRED_MENTAL_HEALTH_TEAM", "AMBULANCE_ATTENDED", "ADVICE_GIVEN", "S136_DETENTION"), "Mental health concern"),
    "SELF_HARM": ((0.65, 0.30, 0.05, 0.00), ("AMBULANCE_ATTENDED", "REFERRED_MENTAL_HEALTH_TEAM", "SAFE_AND_WELL", "S136_DETENTION"), "Worried about self-harm"),
    "HARASSMENT": ((0.05, 0.35, 0.45, 0.15), ("CRIME_RECORDED", "ADVICE_GIVEN", "NO_FURTHER_ACTION", "WORDS_OF_ADVICE_SUSPECT"), "Harassment"),
    "CRIMINAL_DAMAGE": ((0.05, 0.25, 0.50, 0.20), ("CRIME_RECORDED", "NO_FURTHER_ACTION", "ADVICE_GIVEN"), "Damage to property"),
    "ASB": ((0.05, 0.30, 0.40, 0.25), ("ASB_RECORDED", "ADVICE_GIVEN", "REFERRED_COUNCIL", "NO_FURTHER_ACTION"), "Anti-social behaviour"),
    "THEFT": ((0.05, 0.20, 0.45, 0.30), ("CRIME_RECORDED", "NO_FURTHER_ACTION", "ADVICE_GIVEN"), "Report a theft"),
    "BURGLARY": ((0.30, 0.40, 0.30, 0.00), ("CRIME_RECORDED", "SUSPECT_ARRESTED", "NO_FURTHER_ACTION"), "Report a burglary"),
    "DOMESTIC": ((0.50, 0.40, 0.10, 0.00), ("CRIME_RECORDED", "SUSPECT_ARRESTED", "SAFEGUARDING_REFERRAL", "NO_CRIME"), "Domestic incident"),
    "RTC": ((0.40, 0.35, 0.15, 0.10), ("AMBULANCE_ATTENDED", "RESOURCE_ATTENDED", "NO_INJURIES_ADVICE", "REFERRED_HIGHWAYS"), "Road traffic collision"),
    "SUSPICIOUS": ((0.15, 0.40, 0.25, 0.20), ("NO_TRACE", "RESOURCE_ATTENDED", "INTELLIGENCE_SUBMITTED", "NO_FURTHER_ACTION"), "Suspicious activity"),
    "FRAUD": ((0.00, 0.05, 0.35, 0.60), ("REFERRED_ACTION_FRAUD", "ADVICE_GIVEN"), "Report a fraud"),
    "LOST_PROPERTY": ((0.00, 0.00, 0.10, 0.90), ("ADVICE_GIVEN", "NO_FURTHER_ACTION"), "Lost or found property"),
    "HOAX": ((0.10, 0.20, 0.10, 0.60), ("HOAX_CONFIRMED", "NO_TRACE", "WORDS_OF_ADVICE_CALLER"), "Information"),
    "ABUSIVE_CALL": ((0.00, 0.05, 0.10, 0.85), ("CALLER_WARNED", "NO_FURTHER_ACTION", "CALL_TERMINATED"), "Complaint"),
    "SILENT_CALL": ((0.05, 0.10, 0.05, 0.80), ("SILENT_NO_RESPONSE", "CALLBACK_NO_ANSWER", "SAFE_AND_WELL"), "No message"),
    "ADMIN": ((0.00, 0.00, 0.20, 0.80), ("ADVICE_GIVEN", "NO_FURTHER_ACTION", "TRANSFERRED_OTHER_AGENCY"), "General enquiry"),
}
CODE_NAMES = tuple(CODES)
CODE_INDEX = {name: i for i, name in enumerate(CODE_NAMES)}

# Opening-code mix (weights) for each kind of caller and, for the public, each channel.
MIX: dict[str, dict[str, float]] = {
    "vulnerable": {"CONCERN_WELFARE": 33, "MENTAL_HEALTH": 30, "SELF_HARM": 15, "ADMIN": 8,
                   "SILENT_CALL": 7, "SUSPICIOUS": 5, "ASB": 2},
    "targeted_victim": {"HARASSMENT": 30, "CRIMINAL_DAMAGE": 25, "ASB": 30, "THEFT": 8, "SUSPICIOUS": 7},
    "nuisance": {"HOAX": 30, "ABUSIVE_CALL": 30, "SILENT_CALL": 30, "ADMIN": 10},
    "public_999": {"DOMESTIC": 12, "RTC": 10, "SUSPICIOUS": 12, "CONCERN_WELFARE": 10, "THEFT": 6,
                   "BURGLARY": 7, "ASB": 8, "CRIMINAL_DAMAGE": 4, "MENTAL_HEALTH": 5, "SELF_HARM": 2,
                   "HARASSMENT": 3, "SILENT_CALL": 14, "ADMIN": 1, "HOAX": 1},
    "public_101": {"ADMIN": 20, "THEFT": 14, "ASB": 12, "CRIMINAL_DAMAGE": 8, "HARASSMENT": 7,
                   "SUSPICIOUS": 10, "CONCERN_WELFARE": 6, "BURGLARY": 5, "DOMESTIC": 4, "RTC": 4,
                   "MENTAL_HEALTH": 3, "LOST_PROPERTY": 3, "FRAUD": 4},
    "public_digital": {"THEFT": 22, "FRAUD": 15, "ADMIN": 20, "CRIMINAL_DAMAGE": 10, "ASB": 10,
                       "HARASSMENT": 7, "SUSPICIOUS": 8, "LOST_PROPERTY": 6, "CONCERN_WELFARE": 2},
    "care_home": {"CONCERN_WELFARE": 40, "THEFT": 10, "SUSPICIOUS": 10, "ADMIN": 25, "DOMESTIC": 5, "MENTAL_HEALTH": 10},
    "hospital": {"CONCERN_WELFARE": 30, "MENTAL_HEALTH": 25, "ADMIN": 25, "ASB": 10, "SUSPICIOUS": 10},
    "payphone": {"SUSPICIOUS": 25, "ASB": 20, "HOAX": 5, "CONCERN_WELFARE": 20, "THEFT": 15, "RTC": 10, "SILENT_CALL": 5},
    "walk_in": {"THEFT": 25, "LOST_PROPERTY": 25, "ADMIN": 25, "FRAUD": 10, "HARASSMENT": 10, "CRIMINAL_DAMAGE": 5},
}

# Narrative templates. {n} a neighbour's name, {na} the neighbour's address, {s} a
# street, {l} a landmark. Repeat callers' templates carry the words of their kind.
_KIND_TEXT = {
    ("vulnerable", "CONCERN_WELFARE"): (
        "caller states they feel low and alone, wanted someone to talk to",
        "caller lonely, no family, asking for an officer to visit",
        "caller says nobody cares about them, feeling isolated again",
        "caller concerned for own welfare, lives alone, upset and tearful",
    ),
    ("vulnerable", "MENTAL_HEALTH"): (
        "caller in mental health crisis, hearing voices, says they are scared",
        "caller distressed, not taking medication, known to mental health team",
        "caller anxious and panicking, says crisis team not answering",
    ),
    ("vulnerable", "SELF_HARM"): (
        "caller states they have taken tablets and want to end it, ambulance informed",
        "caller threatening self-harm, says they have a knife, feels hopeless",
        "caller says they want to end it all, on the bridge at {l}",
    ),
    ("targeted_victim", "HARASSMENT"): (
        "caller reports neighbour {n} shouting abuse at them again",
        "neighbour at {na} again harassing caller, sending messages",
        "caller says {n} from {na} keeps filming their house, ongoing dispute",
    ),
    ("targeted_victim", "CRIMINAL_DAMAGE"): (
        "neighbour again damaged car, caller believes {n} responsible",
        "caller's windows smashed again, suspects neighbour {n} at {na}",
        "car tyres slashed overnight again, ongoing dispute with {n}",
    ),
    ("targeted_victim", "ASB"): (
        "loud music and shouting from {na} again, caller cannot sleep",
        "youths gathering outside caller's house again, eggs thrown at door",
        "neighbour {n} dumping rubbish in caller's garden again",
    ),
    ("targeted_victim", "THEFT"): ("caller's bins stolen again, believes {n} took them",
                                   "parcel taken from doorstep again"),
    ("nuisance", "HOAX"): (
        "caller reports bomb at {l}, no trace, believed hoax",
        "caller claims man with gun on {s}, no trace, hoax call, same caller as before",
        "caller reported fire at {l}, false, hoax",
    ),
    ("nuisance", "ABUSIVE_CALL"): (
        "caller abusive to call handler, swearing, no policing matter",
        "caller drunk and abusive, making threats to handler, call terminated",
        "caller abusive and shouting, wants to complain about police, no incident",
    ),
    ("nuisance", "SILENT_CALL"): (
        "silent call, breathing heard, no response, line cleared",
        "caller laughed and hung up, silent when called back",
    ),
    ("nuisance", "ADMIN"): ("caller asking for the time and wanting a chat, no policing matter",),
}
_PUBLIC_TEXT = {
    "CONCERN_WELFARE": ("caller concerned for elderly neighbour not seen for days",
                        "concern for welfare of male slumped near {l}",
                        "caller worried about friend who has not answered phone"),
    "MENTAL_HEALTH": ("caller reports man acting erratically at {l}",
                      "caller's relative in crisis, threatening to leave home"),
    "SELF_HARM": ("caller's friend has sent messages about self-harm", "female on bridge near {l}"),
    "HARASSMENT": ("caller receiving unwanted messages from ex-partner",
                   "caller followed home from {l} by unknown male"),
    "CRIMINAL_DAMAGE": ("car wing mirror broken overnight on {s}", "graffiti on garage door"),
    "ASB": ("group of youths causing nuisance at {l}", "loud party on {s}"),
    "THEFT": ("bike stolen from outside {l}", "purse taken from handbag at {l}",
              "shoplifter detained by security at {l}"),
    "BURGLARY": ("caller returned home to find back door forced on {s}",
                 "shed broken into overnight, tools taken"),
    "DOMESTIC": ("caller reports partner shouting and threatening, children present",
                 "neighbour hears screaming from house on {s}"),
    "RTC": ("two-car collision on {s}, no injuries", "car into lamp post near {l}, driver injured"),
    "SUSPICIOUS": ("male trying car door handles on {s}", "suspicious van parked near {l}"),
    "FRAUD": ("caller scammed by phone, bank details given", "online purchase never arrived"),
    "LOST_PROPERTY": ("wallet lost near {l}", "found a bank card on {s}"),
    "HOAX": ("caller reported incident at {l}, no trace",),
    "ABUSIVE_CALL": ("caller abusive, no policing matter",),
    "SILENT_CALL": ("silent call, pocket dial suspected, line cleared", "open line, no speech, child heard"),
    "ADMIN": ("caller asking about lost driving licence", "caller wants update on crime reference",
              "caller asking for station opening times"),
}


def weights(mix_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(code indices, probabilities) for one opening-code mix."""
    mix = MIX[mix_name]
    idx = np.array([CODE_INDEX[c] for c in mix])
    p = np.array(list(mix.values()), dtype=float)
    return idx, p / p.sum()


def pick_codes(rng: np.random.Generator, mix_name: str, n: int) -> np.ndarray:
    idx, p = weights(mix_name)
    return idx[rng.choice(len(idx), size=n, p=p)]


_GRADE_CUM = np.array([np.cumsum(CODES[c][0]) / sum(CODES[c][0]) for c in CODE_NAMES])


def pick_grades(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    """Grade index per incident, from its opening code's grade mix."""
    u = rng.random(len(codes))
    return (u[:, None] > _GRADE_CUM[codes]).sum(axis=1).clip(0, len(GRADES) - 1)


def closing_code(code: int, u: float) -> str:
    options = CODES[CODE_NAMES[code]][1]
    return options[int(u * len(options)) % len(options)]


def subject(code: int) -> str:
    return CODES[CODE_NAMES[code]][2]


def narrative(kind: str, code: int, u: float, neighbour: str, neighbour_address: str,
              street: str, landmark: str) -> str:
    """A short C&C narrative for one incident."""
    name = CODE_NAMES[code]
    options = _KIND_TEXT.get((kind, name)) or _PUBLIC_TEXT[name]
    text = options[int(u * len(options)) % len(options)]
    return text.format(n=neighbour, na=neighbour_address, s=street, l=landmark)
