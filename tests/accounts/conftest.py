import pytest

from tests.web.factories import make_world


@pytest.fixture
def world(db):
    return make_world()
