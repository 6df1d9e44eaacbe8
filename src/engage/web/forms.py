"""Forms for the case-management screens; validation of business rules is in cases.services."""
from __future__ import annotations

from datetime import timedelta

from django import forms

from engage import config
from engage.cases.models import CallBlock, Case, Intervention
from engage.cases.services import today

DATE = forms.DateInput(attrs={"type": "date"})


def area_choices() -> list[tuple[str, str]]:
    return [("", "The caller's area (from postcode)")] + [
        (a["code"], f'{a["name"]} ({a["code"]})') for a in config.load().get("areas", [])
    ]


class EmptyForm(forms.Form):
    """An action with nothing to fill in (the CSRF token is checked by the middleware)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TriageForm(forms.Form):
    triage = forms.ChoiceField(choices=[("", "Choose a decision…")] + Case.Triage.choices[1:], label="Decision")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReferForm(forms.Form):
    area_code = forms.ChoiceField(choices=area_choices, required=False, label="CSU area")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(choices=Intervention.Kind.choices)
    started_on = forms.DateField(widget=DATE, initial=today)
    ended_on = forms.DateField(widget=DATE, required=False)
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class RiskReviewForm(forms.Form):
    threat = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    harm = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    risk = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    investigation = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    vulnerability = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    engagement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    risk_level = forms.ChoiceField(choices=Case.Risk.choices[1:])
    next_review_on = forms.DateField(
        widget=DATE,
        initial=lambda: today() + timedelta(days=int(config.section("cases").get("risk_review_default_days", 28))),
    )


class GuidanceForm(forms.Form):
    guidance = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class BlockRequestForm(forms.Form):
    target_kind = forms.ChoiceField(choices=CallBlock.Target.choices, label="Block on")
    target = forms.CharField(max_length=300, label="Number or address")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label="Risk rationale")


class BlockDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("authorise", "Authorise"), ("refuse", "Refuse")])
    review_on = forms.DateField(widget=DATE, required=False, label="Review (and expiry) date")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class BlockRenewForm(forms.Form):
    action = forms.ChoiceField(choices=[("renew", "Renew"), ("lift", "Lift")])
    review_on = forms.DateField(widget=DATE, required=False, label="New review date")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class MergeForm(forms.Form):
    other_id = forms.IntegerField(min_value=1, label="Merge this other caller (id) into this one")
    reason = forms.CharField(max_length=2000)


class SplitForm(forms.Form):
    contact_ids = forms.CharField(max_length=10000)  # comma-separated, from the timeline's checkboxes
    reason = forms.CharField(max_length=2000)

    def clean_contact_ids(self) -> list[int]:
        try:
            ids = [int(x) for x in self.cleaned_data["contact_ids"].replace(",", " ").split()]
        except ValueError:
            raise forms.ValidationError("Contact ids must be numbers.")
        if not ids:
            raise forms.ValidationError("Tick the contacts to split off.")
        return ids


class AuditSearchForm(forms.Form):
    q = forms.CharField(required=False, label="User, object or purpose contains")
    action = forms.CharField(required=False)
    object_type = forms.CharField(required=False)
    object_id = forms.CharField(required=False)
    since = forms.DateField(widget=DATE, required=False)
    until = forms.DateField(widget=DATE, required=False)
