"""Reads shared by the site's pages in reports (dashboard, checklist, training matrix)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from accounts.models import User
from reports import readiness
from sites.models import Site
from training.matrix import ANY_ROLE, MatrixRow, training_matrix
from training.models import Course
from trials.access import visible_trials
from trials.models import RequirementProfile, Trial


def site_trials_and_profiles(
    user: User, site: Site
) -> tuple[list[Trial], list[RequirementProfile]]:
    """The trials the site takes part in (those the user may see) and every profile."""
    trials = list(visible_trials(user).filter(trial_sites__site=site).order_by("short_title"))
    return trials, list(RequirementProfile.objects.order_by("name"))


def site_training_matrix(
    user: User, site: Site, on: dt.date
) -> tuple[list[Course], list[MatrixRow]]:
    """The matrix of the courses the site's trials and the profiles need, each cell "Not required"
    where no requirement asks that staff member's roles for the course. Fixed query count."""
    trials, profiles = site_trials_and_profiles(user, site)
    trial_sets, profile_sets = readiness.requirement_sets(trials=trials, profiles=profiles)
    course_roles: dict[int, set[str]] = defaultdict(set)
    for requirement_set in (*trial_sets.values(), *profile_sets.values()):
        for requirement in requirement_set.requirements:
            if requirement.course_id is not None:
                course_roles[requirement.course_id].add(requirement.role or ANY_ROLE)
    return training_matrix(
        site=site, course_ids=set(course_roles), on=on, course_roles=course_roles
    )


def training_matrix_csv_rows(courses: list[Course], rows: list[MatrixRow]):
    """The matrix as a table: one row per staff member, one column per course (status and date)."""
    for row in rows:
        yield [
            row.staff.full_name,
            "; ".join(row.staff.role_labels),
            *(
                cell.label + (f" to {cell.expires_on:%Y-%m-%d}" if cell.expires_on else "")
                for cell in row.cells
            ),
        ]
