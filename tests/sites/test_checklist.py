from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from sites.models import Capability, SiteCapability
from sites.services import (
    NOT_APPLICABLE_REASON_REQUIRED,
    STALE_VERSION_MESSAGE,
    Conflict,
    capability_update,
)
from sites.uploads import ERROR_FILE_TYPE
from tests.sites.factories import PDF_BYTES, CapabilityFactory, SiteCapabilityFactory
from tests.sites.test_uploads import ELF_BYTES


@pytest.fixture
def storage_cap(db):
    return CapabilityFactory(
        code="ln2", name="Liquid nitrogen storage", category=Capability.Category.STORAGE
    )


@pytest.fixture
def pharmacy_cap(db):
    return CapabilityFactory(
        code="pharm_sop", name="Pharmacy receipt SOP", category=Capability.Category.PHARMACY
    )


def item_url(site, capability):
    return reverse("reports:capability", args=[site.pk, capability.pk])


def post_item(client, site, capability, *, htmx=False, **fields):
    prefix = f"cap{capability.pk}"
    data = {
        "status": "in_place",
        "notes": "",
        "not_applicable_reason": "",
        "evidence_expires_on": "",
        "reason": "",
        "expected_version": "0",
        "pending_document": "",
    }
    data.update(fields)
    payload = {f"{prefix}-{k}": v for k, v in data.items()}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(item_url(site, capability), payload, **headers)


# --- service ---------------------------------------------------------------------------------


def test_it_creates_the_item_at_version_one_with_history(personas, storage_cap):
    sc = capability_update(
        site=personas.site_a,
        capability=storage_cap,
        user=personas.coordinator_a,
        status="in_place",
        notes="Two dewars",
        expected_version=0,
        reason="Audit done",
    )
    assert sc.version == 1
    record = sc.history.first()
    assert record.history_user == personas.coordinator_a
    assert record.history_change_reason == "Audit done"


def test_it_raises_a_conflict_carrying_the_other_persons_values(personas, storage_cap):
    sc = capability_update(
        site=personas.site_a,
        capability=storage_cap,
        user=personas.coordinator_a,
        status="in_progress",
        expected_version=0,
    )
    capability_update(
        site=sc.site,
        capability=sc.capability,
        user=personas.pharmacist_a,
        status="in_place",
        notes="theirs",
        expected_version=1,
    )
    with pytest.raises(Conflict) as conflict:
        capability_update(
            site=sc.site,
            capability=sc.capability,
            user=personas.coordinator_a,
            status="not_in_place",
            notes="mine",
            expected_version=1,
        )
    assert conflict.value.current.notes == "theirs"
    assert conflict.value.current.version == 2
    sc.refresh_from_db()
    assert (sc.status, sc.notes) == ("in_place", "theirs")


def test_saving_the_same_values_again_is_not_a_change(personas, storage_cap):
    sc = capability_update(
        site=personas.site_a,
        capability=storage_cap,
        user=personas.coordinator_a,
        status="in_place",
        expected_version=0,
    )
    again = capability_update(
        site=sc.site,
        capability=sc.capability,
        user=personas.coordinator_a,
        status="in_place",
        expected_version=1,
    )
    assert again.version == 1
    assert sc.history.count() == 1


def test_the_service_refuses_not_applicable_without_a_reason(personas, storage_cap):
    with pytest.raises(ValidationError) as error:
        capability_update(
            site=personas.site_a,
            capability=storage_cap,
            user=personas.coordinator_a,
            status="not_applicable",
            not_applicable_reason="  ",
            expected_version=0,
        )
    assert error.value.message_dict == {"not_applicable_reason": [NOT_APPLICABLE_REASON_REQUIRED]}


# --- pages -----------------------------------------------------------------------------------


def test_the_checklist_groups_capabilities_by_category(personas, storage_cap, pharmacy_cap):
    response = personas.client_for(personas.coordinator_a).get(
        reverse("reports:checklist", args=[personas.site_a.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index(">Storage</h2>") < content.index("Liquid nitrogen storage")
    assert content.index(">Pharmacy</h2>") < content.index("Pharmacy receipt SOP")
    # One line per item, opened on demand: no item's form is on the list page.
    assert content.count('hx-trigger="toggle once"') == 2
    assert "hx-post" not in content


def test_a_plain_submit_saves_and_redirects_back_to_the_item(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    response = post_item(
        client,
        personas.site_a,
        storage_cap,
        notes="Dewar checked",
        evidence_expires_on="31/03/2030",
        reason="Annual check",
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{storage_cap.pk}")
    sc = SiteCapability.objects.get(site=personas.site_a, capability=storage_cap)
    assert (sc.notes, sc.evidence_expires_on, sc.version) == (
        "Dewar checked",
        dt.date(2030, 3, 31),
        1,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Liquid nitrogen storage saved at" in page
    assert "valid to 31 Mar 2030" in page
    assert (
        "Reason: Annual check"
        in client.get(item_url(personas.site_a, storage_cap)).content.decode()
    )


def test_an_htmx_save_answers_with_out_of_band_parts_only(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    response = post_item(client, personas.site_a, storage_cap, htmx=True)
    body = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert "Saved at" in body
    assert f'name="cap{storage_cap.pk}-expected_version" value="1"' in body
    assert 'hx-swap-oob="true"' in body


def test_not_applicable_without_a_reason_shows_the_error_and_keeps_the_other_values(
    personas, storage_cap
):
    client = personas.client_for(personas.coordinator_a)
    response = post_item(
        client,
        personas.site_a,
        storage_cap,
        status="not_applicable",
        notes="Keep me",
        evidence_expires_on="2031-01-02",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert NOT_APPLICABLE_REASON_REQUIRED in body
    assert "There is a problem" in body
    assert "Keep me" in body
    for box, text in (("day", "2"), ("month", "1"), ("year", "2031")):
        assert (
            f'name="cap{storage_cap.pk}-evidence_expires_on-{box}" type="text" inputmode="numeric" value="{text}"'
            in body
        )
    assert re.search(r'value="not_applicable"[^>]* checked', body)
    assert not SiteCapability.objects.exists()


def test_it_saves_evidence_and_rejects_an_executable_in_the_same_form(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    prefix = f"cap{storage_cap.pk}"
    bad = client.post(
        item_url(personas.site_a, storage_cap),
        {
            f"{prefix}-status": "in_place",
            f"{prefix}-notes": "kept",
            f"{prefix}-expected_version": "0",
            f"{prefix}-evidence": SimpleUploadedFile("sop.pdf", ELF_BYTES),
        },
    )
    assert ERROR_FILE_TYPE in bad.content.decode()
    assert "kept" in bad.content.decode()
    assert not SiteCapability.objects.exists()
    good = client.post(
        item_url(personas.site_a, storage_cap),
        {
            f"{prefix}-status": "in_place",
            f"{prefix}-expected_version": "0",
            f"{prefix}-evidence": SimpleUploadedFile("sop.pdf", PDF_BYTES),
        },
    )
    assert good.status_code == 302
    sc = SiteCapability.objects.get()
    assert [d.original_name for d in sc.evidence.all()] == ["sop.pdf"]
    assert sc.history.first().evidence_added == "sop.pdf"


def test_a_good_file_sent_with_a_bad_field_is_kept_for_the_next_save(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    prefix = f"cap{storage_cap.pk}"
    first = client.post(
        item_url(personas.site_a, storage_cap),
        {
            f"{prefix}-status": "not_applicable",
            f"{prefix}-expected_version": "0",
            f"{prefix}-evidence": SimpleUploadedFile("sop.pdf", PDF_BYTES),
        },
    )
    assert "is kept and will be added" in first.content.decode()
    pending = personas.site_a.documents.get()
    second = post_item(client, personas.site_a, storage_cap, pending_document=str(pending.pk))
    assert second.status_code == 302
    assert list(SiteCapability.objects.get().evidence.all()) == [pending]


def test_notes_with_html_and_script_are_shown_escaped(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    post_item(client, personas.site_a, storage_cap, notes='<script>alert("x")</script><b>bold</b>')
    for user in (personas.coordinator_a, personas.pharmacist_a):
        body = (
            personas.client_for(user).get(item_url(personas.site_a, storage_cap)).content.decode()
        )
        assert "<script>alert" not in body
        assert "<b>bold</b>" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_a_stale_save_shows_the_conflict_and_keeps_my_values(personas, storage_cap):
    mine = personas.client_for(personas.coordinator_a)
    theirs = personas.client_for(personas.pharmacist_a)
    SiteCapabilityFactory(site=personas.site_a, capability=storage_cap, status="in_progress")
    # The pharmacist cannot edit storage; another coordinator can.
    other = personas.client_for(
        personas.site_a.memberships.create(
            user=type(personas.coordinator_a).objects.create_user("other@nhs.example", "x" * 14),
            role="coordinator",
        ).user
    )
    assert post_item(theirs, personas.site_a, storage_cap, expected_version="1").status_code == 404
    assert (
        post_item(
            other, personas.site_a, storage_cap, notes="their note", expected_version="1"
        ).status_code
        == 302
    )
    response = post_item(
        mine,
        personas.site_a,
        storage_cap,
        htmx=True,
        notes="my note",
        status="not_in_place",
        expected_version="1",
    )
    body = response.content.decode()
    assert "Someone else changed this item" in body
    assert "their note" in body and "my note" in body
    assert f'name="cap{storage_cap.pk}-expected_version" value="2"' in body
    sc = SiteCapability.objects.get()
    assert sc.notes == "their note"
    # Saving again after review overwrites deliberately.
    again = post_item(
        mine,
        personas.site_a,
        storage_cap,
        notes="my note",
        status="not_in_place",
        expected_version="2",
    )
    assert again.status_code == 302
    sc.refresh_from_db()
    assert (sc.notes, sc.version) == ("my note", 3)


def test_the_history_shows_who_when_old_and_new_and_why(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    post_item(client, personas.site_a, storage_cap, status="in_progress", reason="Started")
    post_item(
        client,
        personas.site_a,
        storage_cap,
        status="in_place",
        expected_version="1",
        reason="Validated",
    )
    body = client.get(item_url(personas.site_a, storage_cap)).content.decode()
    assert "Status: In progress → In place" in body
    assert "Reason: Validated" in body
    # Escaped: a generated name may hold an apostrophe (O'Brien).
    assert escape(personas.coordinator_a.full_name) in body


# --- access ----------------------------------------------------------------------------------


def test_coordinator_b_gets_404_on_site_a_checklist_and_items(personas, storage_cap):
    client = personas.client_for(personas.coordinator_b)
    assert client.get(reverse("reports:checklist", args=[personas.site_a.pk])).status_code == 404
    assert client.get(item_url(personas.site_a, storage_cap)).status_code == 404
    assert post_item(client, personas.site_a, storage_cap).status_code == 404
    assert not SiteCapability.objects.exists()


def test_the_pharmacist_edits_pharmacy_capabilities_and_nothing_else(
    personas, storage_cap, pharmacy_cap
):
    client = personas.client_for(personas.pharmacist_a)
    page = client.get(reverse("reports:checklist", args=[personas.site_a.pk])).content.decode()
    assert "Open and change Pharmacy receipt SOP" in page
    assert "Open Liquid nitrogen storage" in page
    assert "Open and change Liquid nitrogen storage" not in page
    assert "hx-post" in client.get(item_url(personas.site_a, pharmacy_cap)).content.decode()
    assert "hx-post" not in client.get(item_url(personas.site_a, storage_cap)).content.decode()
    assert post_item(client, personas.site_a, pharmacy_cap).status_code == 302
    assert post_item(client, personas.site_a, storage_cap).status_code == 404
    assert list(SiteCapability.objects.values_list("capability__code", flat=True)) == ["pharm_sop"]


def test_the_network_coordinator_reads_the_checklist_without_forms(personas, storage_cap):
    client = personas.client_for(personas.national)
    page = client.get(reverse("reports:checklist", args=[personas.site_a.pk]))
    assert page.status_code == 200
    assert "hx-post" not in page.content.decode()
    assert post_item(client, personas.site_a, storage_cap).status_code == 404


# --- query counts ----------------------------------------------------------------------------


def _checklist_queries(client, site) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("reports:checklist", args=[site.pk])).status_code == 200
    return len(ctx)


def test_the_checklist_query_count_does_not_grow_with_items_history_or_evidence(personas):
    client = personas.client_for(personas.coordinator_a)
    caps = [CapabilityFactory(category=c) for c in ("storage", "pharmacy")]
    for cap in caps:
        capability_update(
            site=personas.site_a,
            capability=cap,
            user=personas.coordinator_a,
            status="in_place",
            expected_version=0,
        )
    small = _checklist_queries(client, personas.site_a)
    for i in range(15):
        cap = CapabilityFactory(category=("clinical", "storage", "logistics")[i % 3])
        sc = capability_update(
            site=personas.site_a,
            capability=cap,
            user=personas.coordinator_a,
            status="in_progress",
            expected_version=0,
        )
        capability_update(
            site=sc.site,
            capability=sc.capability,
            user=personas.coordinator_a,
            status="in_place",
            notes=f"n{i}",
            expected_version=1,
        )
    assert _checklist_queries(client, personas.site_a) == small


def test_a_stale_version_on_a_never_recorded_item_answers_with_the_conflict_page(
    personas, storage_cap
):
    """Issue 12, finding 5: expected_version=5 on an item with no record was a ValueError, 500."""
    client = personas.client_for(personas.coordinator_a)
    for htmx in (False, True):
        response = post_item(
            client, personas.site_a, storage_cap, htmx=htmx, notes="mine", expected_version="5"
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert STALE_VERSION_MESSAGE in body
        assert "mine" in body
        assert f'name="cap{storage_cap.pk}-expected_version" value="0"' in body
    assert not SiteCapability.objects.exists()
    again = post_item(client, personas.site_a, storage_cap, notes="mine", expected_version="0")
    assert again.status_code == 302
    assert SiteCapability.objects.get().notes == "mine"


# --- audit trail: one edit session, one history entry with the user's reason -------------------


def _save(personas, cap, *, user=None, version, session="s1", **values):
    values = {"status": "in_place", **values}
    return capability_update(
        site=personas.site_a,
        capability=cap,
        user=user or personas.coordinator_a,
        expected_version=version,
        edit_session=session,
        **values,
    )


def test_autosaves_of_one_edit_session_make_one_entry_with_the_reason_given_last(
    personas, storage_cap
):
    _save(personas, storage_cap, version=0, status="in_progress")
    _save(personas, storage_cap, version=1, status="in_place")
    sc = _save(
        personas,
        storage_cap,
        version=2,
        status="in_place",
        evidence_expires_on=dt.date(2030, 1, 31),
    )
    sc = _save(
        personas,
        storage_cap,
        version=sc.version,
        status="in_place",
        evidence_expires_on=dt.date(2030, 1, 31),
        reason="Dewar audit passed",
    )
    [entry] = sc.history.all()
    assert (entry.status, entry.evidence_expires_on, entry.version) == (
        "in_place",
        dt.date(2030, 1, 31),
        3,
    )
    assert entry.history_change_reason == "Dewar audit passed"
    assert sc.version == 3


def test_a_later_save_without_a_reason_keeps_the_sessions_reason(personas, storage_cap):
    _save(personas, storage_cap, version=0, reason="Audit")
    sc = _save(personas, storage_cap, version=1, notes="two dewars")
    [entry] = sc.history.all()
    assert (entry.notes, entry.history_change_reason) == ("two dewars", "Audit")


def test_a_new_session_or_another_editor_starts_a_new_entry(personas, storage_cap):
    other = personas.site_a.memberships.create(
        user=type(personas.coordinator_a).objects.create_user("o@nhs.example", "x" * 14),
        role="coordinator",
    ).user
    _save(personas, storage_cap, version=0, status="in_progress")
    _save(personas, storage_cap, version=1, status="in_place", session="s2")
    _save(personas, storage_cap, version=2, status="not_in_place", session="s2", user=other)
    sc = _save(personas, storage_cap, version=3, status="in_place", session="s2")
    assert sc.history.count() == 4


def test_an_api_style_call_without_a_session_makes_one_entry_per_call(personas, storage_cap):
    _save(personas, storage_cap, version=0, session="", status="in_progress")
    sc = _save(personas, storage_cap, version=1, session="", status="in_place")
    assert sc.history.count() == 2


def test_a_reason_is_kept_whole_and_shown_whole(personas, storage_cap):
    reason = "Annual liquid nitrogen audit by the trust's cryogenics lead; " * 5
    client = personas.client_for(personas.coordinator_a)
    assert post_item(client, personas.site_a, storage_cap, reason=reason).status_code == 302
    sc = SiteCapability.objects.get()
    assert sc.history.get().history_change_reason == reason.strip()
    body = client.get(item_url(personas.site_a, storage_cap)).content.decode()
    assert escape(reason.strip()) in body


def test_without_javascript_one_save_with_a_reason_is_one_entry_with_that_reason(
    personas, storage_cap
):
    client = personas.client_for(personas.coordinator_a)
    post_item(
        client,
        personas.site_a,
        storage_cap,
        status="in_place",
        evidence_expires_on="31/01/2030",
        reason="Audit passed",
        edit_session="abc",
    )
    [entry] = SiteCapability.objects.get().history.all()
    assert entry.history_change_reason == "Audit passed"
    assert entry.evidence_expires_on == dt.date(2030, 1, 31)


def test_htmx_autosaves_of_one_form_record_one_entry_carrying_the_reason(personas, storage_cap):
    client = personas.client_for(personas.coordinator_a)
    form = client.get(item_url(personas.site_a, storage_cap)).content.decode()
    session = re.search(rf'name="cap{storage_cap.pk}-edit_session" value="(\w+)"', form).group(1)
    post_item(
        client, personas.site_a, storage_cap, htmx=True, status="in_place", edit_session=session
    )
    post_item(
        client,
        personas.site_a,
        storage_cap,
        htmx=True,
        status="in_place",
        evidence_expires_on="2030-01-31",
        expected_version="1",
        edit_session=session,
    )
    response = post_item(
        client,
        personas.site_a,
        storage_cap,
        htmx=True,
        status="in_place",
        evidence_expires_on="2030-01-31",
        expected_version="2",
        reason="Audit passed",
        edit_session=session,
    )
    [entry] = SiteCapability.objects.get().history.all()
    assert entry.history_change_reason == "Audit passed"
    assert "Reason: Audit passed" in response.content.decode()


def test_the_reason_it_does_not_apply_is_revealed_under_not_applicable(personas, storage_cap):
    """NHS.UK conditional reveal: under its radio, hidden (by JavaScript only) until chosen."""
    client = personas.client_for(personas.coordinator_a)
    prefix = f"cap{storage_cap.pk}"
    body = client.get(item_url(personas.site_a, storage_cap)).content.decode()
    radio = re.search(r'<input[^>]* value="not_applicable"[^>]*>', body).group(0)
    target = re.search(r'data-aria-controls="([^"]+)"', radio).group(1)
    reveal = re.search(rf'<div class="([^"]*)" id="{target}">(.*?)</textarea>', body, re.S)
    assert reveal.group(1) == "nhsuk-radios__conditional nhsuk-radios__conditional--hidden"
    assert f'name="{prefix}-not_applicable_reason"' in reveal.group(2)
    assert body.count(f'name="{prefix}-not_applicable_reason"') == 1
    # Chosen (here with the reason missing): shown, with its error.
    body = post_item(client, personas.site_a, storage_cap, status="not_applicable").content.decode()
    assert f'<div class="nhsuk-radios__conditional" id="{target}">' in body
    assert NOT_APPLICABLE_REASON_REQUIRED in body
