"""Call blocks: requested by a coordinator, authorised or refused by an inspector, reviewed, expiring."""
from datetime import timedelta

import pytest
from django.core.management import call_command

from engage.accounts.models import Role
from engage.cases import services
from engage.cases.models import CallBlock


@pytest.fixture
def inspector(world):
    return world.users[Role.INSPECTOR]


@pytest.mark.postgres
def test_request_normalises_number_and_is_not_active(world):
    assert world.block.target == "+447700900001"
    assert world.block.status == CallBlock.Status.REQUESTED
    assert services.active_block_for("07700 900001") is None


def test_request_refuses_a_non_number(world):
    with pytest.raises(services.CaseError):
        services.request_block(world.cam_case, world.users[Role.COORDINATOR], "number", "withheld", "x")
    with pytest.raises(services.CaseError, match="rationale"):
        services.request_block(world.cam_case, world.users[Role.COORDINATOR], "number", "07700900001", " ")


@pytest.mark.postgres
def test_authorised_block_is_found_by_any_format_and_caller(world, inspector):
    services.decide_block(world.block, inspector, authorise=True, note="risk to others")
    assert world.block.review_on == services.today() + timedelta(days=90)
    for raw in ("07700 900001", "+44 7700 900001", "447700900001", "(07700) 900-001"):
        assert services.active_block_for(raw).pk == world.block.pk
    assert services.active_block_for(world.cam_caller).pk == world.block.pk
    assert services.active_block_for("07700900002") is None
    assert services.active_block_for(world.pet_caller) is None


@pytest.mark.postgres
def test_refusal_needs_reason_and_decision_is_final(world, inspector):
    with pytest.raises(services.CaseError):
        services.decide_block(world.block, inspector, authorise=False)
    services.decide_block(world.block, inspector, authorise=False, note="not proportionate")
    assert services.active_block_for("07700900001") is None
    with pytest.raises(services.CaseError):
        services.decide_block(world.block, inspector, authorise=True)


@pytest.mark.postgres
def test_block_lapses_unless_renewed(world, inspector):
    today = services.today()
    services.decide_block(world.block, inspector, authorise=True, review_on=today + timedelta(days=10))
    later = today + timedelta(days=11)
    assert services.active_block_for("07700900001", on=today + timedelta(days=10)) is not None
    assert services.active_block_for("07700900001", on=later) is None  # computed on read
    assert services.expire_blocks(on=today) == 0
    assert services.expire_blocks(on=later) == 1
    world.block.refresh_from_db()
    assert world.block.status == CallBlock.Status.EXPIRED


@pytest.mark.postgres
def test_renewal_extends_review_date(world, inspector):
    today = services.today()
    services.decide_block(world.block, inspector, authorise=True, review_on=today + timedelta(days=5))
    assert world.block.pk in [b.pk for b in services.blocks_due_review()]
    services.renew_block(world.block, inspector, "still needed", review_on=today + timedelta(days=60))
    assert services.active_block_for("07700900001", on=today + timedelta(days=30)) is not None
    assert world.block.pk not in [b.pk for b in services.blocks_due_review()]
    services.lift_block(world.block, inspector, "moved away")
    assert services.active_block_for("07700900001") is None


@pytest.mark.postgres
def test_blocks_expire_command(world, inspector):
    services.decide_block(world.block, inspector, authorise=True, review_on=services.today() + timedelta(days=1))
    CallBlock.objects.filter(pk=world.block.pk).update(expires_on=services.today() - timedelta(days=1))
    call_command("blocks", "--expire")
    world.block.refresh_from_db()
    assert world.block.status == CallBlock.Status.EXPIRED


@pytest.mark.postgres
def test_inspector_authorises_through_the_queue(client, world, inspector):
    client.force_login(inspector)
    assert "Nuisance calls tie up 999 lines" in client.get("/blocks/").content.decode()
    client.post(f"/blocks/{world.block.pk}/decide/", {"decision": "authorise", "note": "agreed"})
    world.block.refresh_from_db()
    assert world.block.status == CallBlock.Status.AUTHORISED and world.block.decided_by == inspector
