"""Rules are configuration: the defaults, other services' definitions, a force's own file."""
import pytest

from engage import config
from engage.detection.rules import RuleError, load_rules, parse_rule, parse_rules


def test_default_rules_are_operation_engage_for_callers_and_places():
    rules = {r.name: r for r in load_rules(include_disabled=True)}
    engage = rules["engage"]
    assert engage.subject == "caller" and engage.enabled and set(engage.channels) == {"999", "101"}
    assert [(t.at_least, t.window, t.length) for t in engage.thresholds] == [(5, "calendar_day", 1), (10, "rolling_days", 7)]
    assert rules["engage-location"].subject == "location"
    nhs = rules["nhs-frequent"]
    assert not nhs.enabled and [(t.at_least, t.window, t.length) for t in nhs.thresholds] == [
        (5, "calendar_month", 1), (12, "calendar_month", 3)]
    assert "nhs-frequent" not in {r.name for r in load_rules()}


def test_nhs_and_stricter_rules_are_expressible():
    rules = parse_rules([
        {"name": "nhs", "thresholds": [{"at_least": 5, "window": "calendar_month"},
                                       {"at_least": 12, "window": "rolling_months", "length": 3}]},
        {"name": "999-only", "channels": ["999"], "thresholds": [{"at_least": 3, "window": "calendar_day"}],
         "exclude": {"opening_codes": ["admin"], "numbers": ["01632 960000"], "callers": [4], "shared_numbers": False}},
    ])
    assert rules[0].describe() == "5+ in a calendar month or 12+ in 3 rolling months (999, 101)"
    strict = rules[1].exclude
    assert strict.opening_codes == {"ADMIN"} and strict.numbers == {"+441632960000"} and strict.callers == {4}
    assert not strict.shared_numbers


@pytest.mark.parametrize("raw, message", [
    ({"thresholds": [{"at_least": 5, "window": "calendar_day"}]}, "'name'"),
    ({"name": "x", "thresholds": []}, "rule 'x': 'thresholds'"),
    ({"name": "x", "thresholds": [{"at_least": 0, "window": "calendar_day"}]}, "threshold 1: 'at_least'"),
    ({"name": "x", "thresholds": [{"at_least": 5, "window": "fortnight"}]}, "threshold 1: 'window' must be one of"),
    ({"name": "x", "thresholds": [{"at_least": 5, "window": "rolling_days", "length": 0}]}, "'length'"),
    ({"name": "x", "subject": "vehicle", "thresholds": [{"at_least": 5, "window": "calendar_day"}]}, "'subject'"),
    ({"name": "x", "channels": ["fax"], "thresholds": [{"at_least": 5, "window": "calendar_day"}]}, "unknown channel 'fax'"),
    ({"name": "x", "treshold": 1, "thresholds": [{"at_least": 5, "window": "calendar_day"}]}, "unknown key 'treshold'"),
    ({"name": "x", "thresholds": [{"at_least": 5, "window": "calendar_day"}], "exclude": {"postcodes": []}},
     "unknown exclusion 'postcodes'"),
])
def test_bad_rules_name_the_rule_and_key(raw, message):
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace("+", r"\+")):
        parse_rule(raw)


def test_duplicate_rule_names_are_refused():
    rule = {"name": "x", "thresholds": [{"at_least": 5, "window": "calendar_day"}]}
    with pytest.raises(RuleError, match="defined twice"):
        parse_rules([rule, rule])


def test_a_force_file_replaces_the_rules(force_config):
    force_config('[[detection.rules]]\nname = "ours"\nsubject = "caller"\nchannels = ["999"]\n'
                 'thresholds = [{ at_least = 3, window = "calendar_day" }]\n')
    assert [r.name for r in load_rules(include_disabled=True)] == ["ours"]
    assert config.section("detection")["current_days"] == 30  # other keys still merge


def test_detect_reports_a_bad_configuration_in_one_line(force_config):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    force_config('[[detection.rules]]\nname = "bad"\nthresholds = [{ at_least = 3, window = "week" }]\n')
    with pytest.raises(CommandError, match="configuration: rule 'bad' threshold 1"):
        call_command("detect")
