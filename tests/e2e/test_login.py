import pytest

from tests.e2e.conftest import assert_accessible, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_each_persona_signs_in_and_sees_their_home_page(page, live_server, personas):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    for user, expected in [
        (personas.coordinator_a, "Alpha Hospital"),
        (personas.network, "You coordinate North"),
        (personas.editor, "Guidance editing"),
    ]:
        login(page, live_server, user)
        assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
        assert expected in page.content()
        assert_accessible(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()


def test_a_wrong_password_shows_the_error_next_to_the_form(page, live_server, personas):
    login(page, live_server, personas.coordinator_a, password="not-the-password")
    assert "Enter a correct email address and password" in page.content()
    assert_accessible(page)
