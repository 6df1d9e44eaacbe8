"""Cases: what the force decides and does about a repeat caller."""
from django.conf import settings
from django.db import models

User = settings.AUTH_USER_MODEL


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REFERRED = "referred", "Referred"
        MONITORING = "monitoring", "Monitoring"
        CLOSED = "closed", "Closed"

    class Triage(models.TextChoices):
        UNDECIDED = "", "Not yet decided"
        VULNERABLE = "vulnerable", "Vulnerable repeat caller"
        TARGETED_VICTIM = "targeted_victim", "Repeatedly targeted victim"
        NUISANCE = "nuisance", "Nuisance / hoax"
        NOT_A_CONCERN = "not_a_concern", "Not a concern"

    class Risk(models.TextChoices):
        UNASSESSED = "", "Not assessed"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    caller = models.ForeignKey("identity.Caller", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    triage = models.CharField(max_length=20, choices=Triage.choices, blank=True, default="")
    triage_reason = models.TextField(blank=True)
    area_code = models.CharField(max_length=16, blank=True, db_index=True)
    guidance = models.TextField(blank=True, help_text="What a call handler should do when this caller rings")
    risk_level = models.CharField(max_length=8, choices=Risk.choices, blank=True, default="")
    episodes = models.ManyToManyField("detection.Episode", related_name="cases", blank=True)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)  # set by `engage retention`

    def __str__(self) -> str:
        return f"Case {self.pk}"


class StatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class Referral(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    area_code = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)


class Intervention(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Personal visit"
        GP = "gp", "GP liaison"
        SOCIAL_SERVICES = "social_services", "Social services"
        MENTAL_HEALTH = "mental_health", "Mental health team"
        RESPONSE_PLAN = "response_plan", "Bespoke response plan"
        ABA = "aba", "Acceptable behaviour agreement"
        CPW = "cpw", "Community protection warning"
        CPN = "cpn", "Community protection notice"
        COURT = "court", "Court enforcement"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class RiskReview(models.Model):
    """A review under THRIVE's six headings."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_reviews")
    threat = models.TextField()
    harm = models.TextField()
    risk = models.TextField()
    investigation = models.TextField()
    vulnerability = models.TextField()
    engagement = models.TextField()
    risk_level = models.CharField(max_length=8, choices=Case.Risk.choices[1:])
    next_review_on = models.DateField()
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class CallBlock(models.Model):
    """A block agreed with the network operator: requested by a coordinator, authorised by an inspector."""

    class Target(models.TextChoices):
        NUMBER = "number", "Telephone number"
        ADDRESS = "address", "Address"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        AUTHORISED = "authorised", "Authorised"
        REFUSED = "refused", "Refused"
        EXPIRED = "expired", "Expired"
        LIFTED = "lifted", "Lifted"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="blocks")
    target_kind = models.CharField(max_length=8, choices=Target.choices)
    target = models.CharField(max_length=300)  # E.164 number or address
    rationale = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)


class EpisodeDecision(models.Model):
    """What the coordinator did with an episode from the review queue, and why."""

    class Decision(models.TextChoices):
        CASE = "case", "Case opened"
        DISMISSED = "dismissed", "Dismissed"

    episode = models.OneToOneField("detection.Episode", on_delete=models.CASCADE, related_name="decision")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    suggested = models.CharField(max_length=20, blank=True)  # the triage suggestion shown at the time
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
