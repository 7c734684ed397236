"""The demo group's promises: made, kept and renegotiated through the actions."""

from __future__ import annotations

import pytest

from posventa.demo.loader import DemoWorld, load_demo
from posventa.promises.models import Promise, PromiseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DemoWorld:
    loaded = load_demo()
    assert loaded is not None
    return loaded


def test_each_demo_site_has_an_open_a_kept_and_a_renegotiated_promise(world: DemoWorld) -> None:
    for site in world.sites.values():
        promises = Promise.objects.filter(site=site)
        assert promises.filter(status=PromiseStatus.OPEN, owner_team__name="Workshop").exists()
        assert promises.filter(status=PromiseStatus.KEPT).exists()
        assert promises.filter(status=PromiseStatus.OPEN, renegotiations=1).exists()
