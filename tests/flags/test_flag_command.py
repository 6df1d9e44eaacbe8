"""engage flag NUMBER --purpose ...: table or JSON, audited."""
import json

import pytest
from django.core.management import CommandError, call_command

from engage.accounts.models import AuditEvent
from tests.flags import factories as f

pytestmark = pytest.mark.django_db


def test_json_output_and_audit(capsys):
    caller = f.caller_with_contacts()
    f.case_for(caller)
    call_command("flag", "07700 900123", "01632 960001", "--purpose", "checking before visit", "--json")
    out = json.loads(capsys.readouterr().out)
    assert [o["flagged"] for o in out] == [True, False] and out[0]["caller_id"] == caller.pk
    assert AuditEvent.objects.filter(action="lookup", purpose="checking before visit (engage flag)").count() == 2


def test_table_output(capsys):
    f.case_for(f.caller_with_contacts())
    call_command("flag", "+447700900123", "--purpose", "test")
    out = capsys.readouterr().out
    assert "FLAGGED" in out and "+447700900123" in out


def test_blank_purpose_is_refused():
    with pytest.raises(CommandError, match="purpose"):
        call_command("flag", "07700 900123", "--purpose", " ")
