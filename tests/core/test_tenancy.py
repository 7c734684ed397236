"""Staff of one site never see another site's data unless their role covers the group."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.core import actions
from posventa.core.access import can_see_site, roles_at, users_with_role, visible_sites
from posventa.core.models import Role, Site, User
from tests.conftest import make_user


def test_site_staff_see_only_their_site(agent: User, madrid: Site, goteborg: Site) -> None:
    assert list(visible_sites(agent)) == [madrid]
    assert can_see_site(agent, madrid)
    assert not can_see_site(agent, goteborg)


def test_outsider_from_the_other_site_cannot_see_madrid(outsider: User, madrid: Site) -> None:
    assert madrid not in visible_sites(outsider)


def test_group_role_covers_every_site_of_the_group(
    group_admin: User, madrid: Site, goteborg: Site
) -> None:
    assert set(visible_sites(group_admin)) == {madrid, goteborg}
    assert roles_at(group_admin, goteborg) == {Role.ADMIN}


def test_group_role_does_not_reach_another_organisation(group_admin: User) -> None:
    other = actions.create_organisation("Otro Grupo", "otro")
    foreign = actions.create_site(
        other, name="Foreign", slug="foreign", timezone="America/Santiago", country="CL"
    )
    assert foreign not in visible_sites(group_admin)


def test_inactive_and_anonymous_users_see_nothing(agent: User) -> None:
    agent.is_active = False
    agent.save()
    assert not visible_sites(agent).exists()


def test_users_with_role_finds_site_and_group_roles(
    manager: User, group_admin: User, agent: User, madrid: Site
) -> None:
    found = set(users_with_role(madrid, Role.SERVICE_MANAGER, Role.ADMIN))
    assert found == {manager, group_admin}


def test_granting_a_site_of_another_organisation_is_refused(madrid: Site) -> None:
    other = actions.create_organisation("Otro Grupo", "otro")
    user = make_user("nadie")
    with pytest.raises(ValidationError) as error:
        actions.grant_role(user, other, Role.AGENT, madrid)
    assert "site" in error.value.message_dict
