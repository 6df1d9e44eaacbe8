"""engage users (--demo, --add) and engage apikey."""
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from engage.accounts.models import ApiKey, Role


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.postgres
def test_demo_users_one_per_role_with_working_passwords(db, client):
    rows = json.loads(_run("users", "--demo", "--json"))
    assert {r["role"] for r in rows} == set(Role.values)
    csu = [r for r in rows if r["role"] == Role.CSU]
    assert len(csu) == 2 and csu[0]["areas"] != csu[1]["areas"]
    for row in rows:
        assert client.post("/login/", {"username": row["username"], "password": row["password"]}).status_code == 302
        client.logout()
    # Run twice: same users, new passwords that work.
    again = json.loads(_run("users", "--demo", "--json"))
    assert get_user_model().objects.count() == len(rows)
    assert client.post("/login/", {"username": again[0]["username"], "password": again[0]["password"]}).status_code == 302


def test_add_user_validates(db):
    with pytest.raises(CommandError, match="needs at least one area"):
        _run("users", "--add", "x", "--role", "csu")
    with pytest.raises(CommandError, match="unknown area"):
        _run("users", "--add", "x", "--role", "csu", "--areas", "NOPE")
    out = _run("users", "--add", "sam", "--role", "csu", "--areas", "cam,pet", "--json")
    assert json.loads(out)[0]["areas"] == ["CAM", "PET"]
    assert "sam" in _run("users")


def test_apikey_printed_once_and_hashed(db):
    out = json.loads(_run("apikey", "iccs", "--json"))
    key = ApiKey.objects.get(name="iccs")
    assert key.key_hash == ApiKey.hash(out["key"]) and out["key"] not in key.key_hash
    assert key.can_read_flags and not key.can_push_contacts
    _run("apikey", "storm", "--push")
    assert ApiKey.objects.get(name="storm").can_push_contacts
    with pytest.raises(CommandError, match="exists"):
        _run("apikey", "iccs")
    _run("apikey", "iccs", "--revoke")
    assert not ApiKey.objects.get(name="iccs").active
    assert "storm" in _run("apikey")


def test_apikey_rotate_replaces_the_key_and_keeps_the_client(db):
    old = json.loads(_run("apikey", "iccs", "--json"))["key"]
    _run("apikey", "iccs", "--revoke")
    new = json.loads(_run("apikey", "iccs", "--rotate", "--push", "--json"))["key"]
    key = ApiKey.objects.get(name="iccs")
    assert new != old and key.key_hash == ApiKey.hash(new)
    assert key.active and key.can_push_contacts
    assert ApiKey.objects.count() == 1
