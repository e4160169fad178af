from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.training.factories import CourseFactory
from training.models import RENEWAL_MONTHS_RANGE, Course

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("months", [0, 121, 65535])
def test_a_renewal_period_outside_1_to_120_months_is_refused_with_a_message(months):
    course = CourseFactory.build(code="gcp-x", renewal_months=months)
    with pytest.raises(ValidationError) as error:
        course.full_clean()
    assert error.value.message_dict["renewal_months"] == [RENEWAL_MONTHS_RANGE]


@pytest.mark.parametrize("months", [None, 1, 120])
def test_a_renewal_period_of_1_to_120_months_or_none_is_kept(months):
    course = CourseFactory.build(code="gcp-y", renewal_months=months)
    course.full_clean()


def test_the_database_refuses_a_renewal_period_over_120_months():
    course = CourseFactory(renewal_months=12)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(renewal_months=600)


def test_the_admin_shows_the_message_by_the_field():
    admin_user = get_user_model().objects.create_superuser(
        email="root@nhs.example", password="x-Long-pass-1"
    )
    client = Client()
    client.force_login(admin_user)
    course = CourseFactory(renewal_months=12)
    response = client.post(
        reverse("admin:training_course_change", args=[course.pk]),
        {
            "code": course.code,
            "title": course.title,
            "renewal_months": "500",
            "roles": "[]",
            "scope": course.scope,
        },
    )
    assert response.status_code == 200
    assert RENEWAL_MONTHS_RANGE in response.content.decode()
    course.refresh_from_db()
    assert course.renewal_months == 12
