"""Volumes, daily/weekly patterns, waits and talk times of the synthetic force.

Figures are from /work/shared/DOMAIN.md (Cambridgeshire Constabulary, Jan/Feb 2025;
Essex Police on abandoned 999 calls); the shapes of the daily and weekly curves are
the usual control-room pattern (night trough, afternoon/evening peak, busier
Friday/Saturday nights on 999). docs/synth.md explains each choice.
"""
from __future__ import annotations

import numpy as np

DAYS_PER_MONTH = 365.25 / 12

# Channel codes used in the generator's contact table.
CH_999, CH_101, CH_WEBCHAT, CH_ONLINE, CH_SOCIAL, CH_OTHER = range(6)
CHANNEL_NAMES = ("999", "101", "webchat", "online", "social", "other")
PHONE_CHANNELS = (CH_999, CH_101)

# Contacts a month at scale 1 (Cambridgeshire): 11,000 999 calls, 17,000 101 calls,
# 27,000 web chats, 2,000 online crime reports, 1,100-1,400 social media conversations.
MONTHLY_VOLUME = {CH_999: 11_000, CH_101: 17_000, CH_WEBCHAT: 27_000, CH_ONLINE: 2_000, CH_SOCIAL: 1_250}
# Walk-ins, letters and other incidents with no call or digital contact.
MONTHLY_WALK_INS = 600

# Essex Police: about 300 abandoned 999 calls a month in one force.
MONTHLY_ABANDONED_999 = 300
# 101 callers give up more often than 999 callers (no published figure: an assumption).
ABANDON_RATE_101 = 0.05

# Calling line identity. CLI privacy never applies to 999: the network passes the
# caller's number to the emergency service even when the caller withholds it (PECR 2003
# regulation 16; Ofcom's CLI guidance under General Condition C6). A 999 call arrives without a
# number only when the network has none to pass ("unavailable": some payphones,
# VoIP and roaming calls), rarely: an assumption. 101 callers can withhold theirs.
CLI_UNAVAILABLE_999 = 0.005
WITHHELD_101_PUBLIC = 0.07


def cli_hidden(rng: np.random.Generator, ch: np.ndarray, withhold_101: float) -> np.ndarray:
    """Calls that arrive without a CLI: withheld on 101 (at the caller's rate),
    unavailable on 999; digital contacts have no CLI to hide."""
    p = np.where(ch == CH_999, CLI_UNAVAILABLE_999, np.where(ch == CH_101, withhold_101, 0.0))
    return rng.random(len(ch)) < p

# Mean answer wait: 2 s on 999, 5 s on 101 (Cambridgeshire). Lognormal (long tail):
# mean = exp(mu + sigma^2 / 2); with these sigmas ~98% of calls meet the 10 s / 30 s targets.
WAIT_SIGMA = {CH_999: 1.0, CH_101: 1.2}
WAIT_MEAN = {CH_999: 2.0, CH_101: 5.0}
# Talk time: 999 about 4-6 minutes, 101 about 6-8 minutes (mean ~5 and ~7 min).
TALK_MEDIAN = {CH_999: 270.0, CH_101: 370.0}
TALK_SIGMA = 0.5


def _norm(weights: list[float]) -> np.ndarray:
    arr = np.asarray(weights, dtype=float)
    return arr / arr.sum()


# Relative volume by day of week (Mon..Sun), mean 1.
WEEKDAY = {
    CH_999: _norm([0.97, 0.93, 0.94, 0.96, 1.05, 1.12, 1.03]) * 7,
    CH_101: _norm([1.08, 1.04, 1.02, 1.01, 1.00, 0.92, 0.93]) * 7,
    CH_WEBCHAT: _norm([1.08, 1.05, 1.03, 1.01, 0.98, 0.92, 0.93]) * 7,
    CH_ONLINE: _norm([1.10, 1.04, 1.02, 1.00, 0.96, 0.92, 0.96]) * 7,
    CH_SOCIAL: _norm([1.0, 1.0, 1.0, 1.0, 1.02, 1.0, 0.98]) * 7,
    CH_OTHER: _norm([1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.7]) * 7,
}

# Share of a day's contacts by local hour 0..23.
_HOURLY_999 = [3.2, 2.6, 2.2, 1.7, 1.3, 1.2, 1.5, 2.3, 3.2, 3.8, 4.1, 4.3,
               4.5, 4.6, 4.8, 5.2, 5.6, 5.8, 5.9, 5.8, 5.5, 5.1, 4.6, 3.9]
# Friday and Saturday nights: the evening and the small hours after it are busier.
_NIGHT_LIFT = np.array([1.9, 2.0, 2.0, 1.8, 1.3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                        1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.3, 1.45, 1.6, 1.75])
_EVENING_ONLY = np.where(np.arange(24) >= 12, _NIGHT_LIFT, 1.0)
_SMALL_HOURS_ONLY = np.where(np.arange(24) < 12, _NIGHT_LIFT, 1.0)
_HOURLY_101 = [1.2, 0.8, 0.6, 0.4, 0.4, 0.5, 1.2, 2.8, 4.8, 6.0, 6.4, 6.3,
               6.0, 6.1, 6.2, 6.1, 5.9, 5.6, 5.0, 4.4, 3.7, 3.0, 2.3, 1.7]
_HOURLY_WEBCHAT = [0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2.2, 4.5, 5.8, 6.3, 6.4,
                   6.2, 6.3, 6.4, 6.3, 6.0, 5.6, 5.2, 4.8, 4.2, 3.4, 2.4, 1.4]
_HOURLY_ONLINE = [1.6, 1.0, 0.6, 0.4, 0.3, 0.4, 0.9, 2.0, 3.4, 4.4, 4.8, 5.0,
                  5.2, 5.0, 4.9, 4.9, 5.0, 5.2, 5.6, 6.0, 6.2, 5.8, 4.6, 3.0]
_HOURLY_SOCIAL = [1.4, 0.8, 0.5, 0.3, 0.3, 0.4, 1.0, 2.4, 3.8, 4.6, 5.0, 5.2,
                  5.4, 5.4, 5.3, 5.2, 5.2, 5.4, 5.6, 5.8, 5.6, 5.0, 4.0, 2.6]
_HOURLY_OTHER = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2.0, 5.0, 7.0, 7.5, 7.5,
                 7.0, 7.0, 7.0, 6.8, 6.0, 5.0, 3.5, 2.5, 1.5, 1.0, 0.5, 0.3]

HOURLY = {
    CH_999: _norm(_HOURLY_999),
    CH_101: _norm(_HOURLY_101),
    CH_WEBCHAT: _norm(_HOURLY_WEBCHAT),
    CH_ONLINE: _norm(_HOURLY_ONLINE),
    CH_SOCIAL: _norm(_HOURLY_SOCIAL),
    CH_OTHER: _norm(_HOURLY_OTHER),
}


def hourly_for(channel: int, weekday: int) -> np.ndarray:
    """Hourly shares for a channel on a weekday (0=Mon). 999 is busier on Fri/Sat nights."""
    base = np.asarray(HOURLY[channel])
    if channel != CH_999:
        return base
    if weekday == 4:  # Friday evening
        return _norm(list(base * _EVENING_ONLY))
    if weekday == 5:  # Saturday: small hours after Friday night, and Saturday evening
        return _norm(list(base * _NIGHT_LIFT))
    if weekday == 6:  # Sunday small hours after Saturday night
        return _norm(list(base * _SMALL_HOURS_ONLY))
    return base


# Repeat callers' hours: vulnerable callers call at night, nuisance callers in the
# evening and small hours, targeted victims when things happen (afternoon/evening).
KIND_HOURLY = {
    "vulnerable": _norm([6.5, 6.5, 6.0, 5.0, 3.5, 2.0, 1.5, 1.5, 2.0, 2.5, 2.5, 2.5,
                         2.5, 2.5, 2.5, 3.0, 3.0, 3.5, 4.0, 4.5, 5.5, 6.5, 7.0, 7.0]),
    "targeted_victim": _norm([1.5, 1.0, 0.7, 0.5, 0.4, 0.5, 1.0, 2.5, 3.5, 4.0, 4.2, 4.4,
                              4.6, 4.8, 5.0, 5.5, 6.0, 6.5, 7.0, 7.0, 6.5, 5.5, 4.0, 2.5]),
    "nuisance": _norm([6.0, 6.0, 5.0, 4.0, 2.5, 1.0, 0.5, 0.5, 0.8, 1.2, 1.5, 2.0,
                       2.5, 2.8, 3.0, 3.5, 4.0, 4.5, 5.5, 6.5, 7.0, 7.5, 7.5, 7.0]),
}
