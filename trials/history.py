"""A trial's and a requirement profile's change history, as the trial pages show it: the
latest changes (a fixed number of queries, whatever the history's length) and every change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag

from accounts.models import User
from sites.models import Site
from trials.models import (
    CapabilityRequirement,
    RequirementOverride,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)
from trials.selectors import _training_label, capability_requirement_label, requirement_label

# The historical models, looked up once: simple-history's `Model.history` builds a manager
# class on every access.
_TRIAL_HISTORY = Trial.history.model
_CAPABILITY_HISTORY = CapabilityRequirement.history.model
_TRAINING_HISTORY = TrainingRequirement.history.model
_OVERRIDE_HISTORY = RequirementOverride.history.model
_TRIAL_SITE_HISTORY = TrialSite.history.model


RECENT_CHANGES = 10


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str
    what: str
    old: str
    new: str
    reason: str


@dataclass
class _Records:
    """History records of one kind, oldest first.

    The whole history, or (`_newest`) its newest records, each annotated `previous_<field>`:
    the value its object had in the record before, so the oldest change of each object still
    reads old → new. `hidden` is a record read only for that (the trial's own record before
    the window); `complete_from` the time from which these are all the records (None: all
    time)."""

    records: list
    hidden: int | None = None
    complete_from: dt.datetime | None = None

    def show(self, record) -> bool:
        return record.history_id != self.hidden


def _all(queryset: QuerySet) -> _Records:
    return _Records(list(queryset.order_by("history_date", "history_id")))


def _previous(field: str) -> Window:
    """`field` in the record just before this one of the same object (SQL's LAG, taken over
    the object's records before the newest are picked)."""
    return Window(
        Lag(field),
        partition_by=[F("id")],
        order_by=[F("history_date").asc(), F("history_id").asc()],
    )


def _newest(queryset: QuerySet, limit: int, **previous) -> _Records:
    """The newest `limit` records, each with the `previous` values it is compared with
    (`previous_course="course__title"`): one query, whatever the length of the history."""
    annotations = {f"previous_{name}": _previous(f) for name, f in previous.items()}
    window = list(queryset.annotate(**annotations).order_by("-history_date", "-history_id")[:limit])
    complete_from = window[-1].history_date if len(window) == limit else None
    return _Records(window[::-1], complete_from=complete_from)


def _newest_of_one(queryset: QuerySet, limit: int) -> _Records:
    """The newest `limit` records of one object (the trial), and the one before them, read to
    compare the oldest of them with."""
    history = _newest(queryset, limit + 1)
    if history.complete_from is None:
        return history
    return _Records(
        history.records,
        hidden=history.records[0].history_id,
        complete_from=history.records[1].history_date,
    )


def _who(record) -> str:
    if hasattr(record, "who"):
        return record.who
    user = record.history_user
    return (user.full_name or user.email) if user is not None else "System"


def _name_the_users(records: list) -> None:
    """Set `who` on each history record: one query for the users of all of them, instead of
    joining the users' columns into every kind of record's query."""
    ids = {r.history_user_id for r in records if r.history_user_id is not None}
    names = (
        {
            pk: full_name or email
            for pk, full_name, email in User.objects.filter(pk__in=ids).values_list(
                "pk", "full_name", "email"
            )
        }
        if ids
        else {}
    )
    for record in records:
        record.who = names.get(record.history_user_id, "System")


def _rows(histories: list[tuple[_Records, object]]) -> list[HistoryRow]:
    """(records, how they become rows) of each kind → all their rows."""
    _name_the_users([record for history, _ in histories for record in history.records])
    return [row for history, to_rows in histories for row in to_rows(history)]


_TRIAL_FIELDS = {f.name: f for f in Trial._meta.fields}


def _display(field_name: str, value) -> str:
    field = _TRIAL_FIELDS.get(field_name)
    if field is not None and field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value) if value not in (None, "") else "—"


def _trial_profiles(records: list) -> dict[int, str]:
    """Each historical trial record (history_id) → its profiles' names, sorted: one query for
    all the records (simple-history's own m2m diff costs two per record)."""
    through = _TRIAL_HISTORY.profiles.model
    names: dict[int, list[str]] = {r.history_id: [] for r in records}
    for history_id, name in through.objects.filter(history_id__in=list(names)).values_list(
        "history_id", "requirementprofile__name"
    ):
        names[history_id].append(name)
    return {key: ", ".join(sorted(value)) or "—" for key, value in names.items()}


def _trial_rows(history: _Records) -> list[HistoryRow]:
    profiles = _trial_profiles(history.records)
    rows, previous = [], None
    for record in history.records:
        if not history.show(record):
            pass
        elif previous is None:
            rows.append(
                HistoryRow(
                    record.history_date,
                    _who(record),
                    "Trial created",
                    "",
                    "",
                    record.history_change_reason or "",
                )
            )
        else:
            for change in record.diff_against(previous, excluded_fields=["profiles"]).changes:
                label = _TRIAL_FIELDS[change.field].verbose_name
                rows.append(
                    HistoryRow(
                        record.history_date,
                        _who(record),
                        label[:1].upper() + label[1:],
                        _display(change.field, change.old),
                        _display(change.field, change.new),
                        record.history_change_reason or "",
                    )
                )
            if profiles[record.history_id] != profiles[previous.history_id]:
                rows.append(
                    HistoryRow(
                        record.history_date,
                        _who(record),
                        "Profiles",
                        profiles[previous.history_id],
                        profiles[record.history_id],
                        record.history_change_reason or "",
                    )
                )
        previous = record
    return rows


def _capability_names(history_ids: list[int]) -> dict[int, list[str]]:
    """Each historical record of capability requirements (history_id) → the alternatives it
    recorded (one query)."""
    through = _CAPABILITY_HISTORY.capabilities.model
    names: dict[int, list[str]] = {}
    for history_id, name in through.objects.filter(history_id__in=history_ids).values_list(
        "history_id", "capability__name"
    ):
        names.setdefault(history_id, []).append(name)
    return names


def _with_note(label: str, note: str) -> str:
    return f"{label}; note: {note}" if note else label


def _changes(history: _Records, label_of, previous_label_of, noun: str) -> list[HistoryRow]:
    """Added / changed (old → new) / removed rows of one kind of requirement. `label_of(record)`
    is the record's label, or None while it is not complete (a capability requirement is
    saved before its alternatives are set); `previous_label_of(record)` the label of the
    record before it, from its `previous_` values (None without them)."""
    rows, last = [], {}
    for record in history.records:
        label = label_of(record)
        if record.id not in last:
            last[record.id] = previous_label_of(record)
        previous = last[record.id]
        if record.history_type == "-":
            what, old, new = "removed", previous or label or "", ""
        elif label is None or label == previous:
            continue
        elif previous is None:
            what, old, new = "added", "", label
        else:
            what, old, new = "changed", previous, label
        last[record.id] = label or previous
        rows.append(
            HistoryRow(
                record.history_date,
                _who(record),
                f"{noun} {what}",
                old,
                new,
                record.history_change_reason or "",
            )
        )
    return rows


def _capability_changes(history: _Records) -> list[HistoryRow]:
    names = _capability_names(
        [
            history_id
            for r in history.records
            for history_id in (r.history_id, getattr(r, "previous_history_id", None))
            if history_id
        ]
    )

    def label(alternatives, level, note) -> str | None:
        if not alternatives:
            return None
        return _with_note(capability_requirement_label(alternatives, level), note)

    return _changes(
        history,
        lambda r: label(names.get(r.history_id), r.level, r.note),
        lambda r: label(
            names.get(getattr(r, "previous_history_id", None)),
            getattr(r, "previous_level", ""),
            getattr(r, "previous_note", ""),
        ),
        "Capability requirement",
    )


def _training_changes(history: _Records) -> list[HistoryRow]:
    def previous_label(record) -> str | None:
        if getattr(record, "previous_course", None) is None:
            return None
        return _training_label(
            record.previous_course,
            record.previous_min_staff,
            record.previous_role,
            record.previous_level,
        )

    return _changes(
        history,
        lambda r: _training_label(r.course_title, r.min_staff, r.role, r.level),
        previous_label,
        "Training requirement",
    )


_CAPABILITY_PREVIOUS = {"history_id": "history_id", "level": "level", "note": "note"}
_TRAINING_PREVIOUS = {
    "course": "course__title",
    "min_staff": "min_staff",
    "role": "role",
    "level": "level",
}


def _requirement_sources(**owner) -> tuple:
    """The history of a trial's (trial_id=) or a profile's (profile_id=) own requirements:
    (records, how they become rows, the previous values each row compares with)."""
    capability = _CAPABILITY_HISTORY.objects.filter(**owner)
    training = _TRAINING_HISTORY.objects.filter(**owner).annotate(course_title=F("course__title"))
    return (
        (capability, _capability_changes, _CAPABILITY_PREVIOUS),
        (training, _training_changes, _TRAINING_PREVIOUS),
    )


def _override_rows(history: _Records) -> list[HistoryRow]:
    rows, last_level = [], {}
    levels = dict(RequirementOverride.Level.choices)
    for record in history.records:
        previous = getattr(record, "previous_level", None)
        if previous is not None:
            last_level.setdefault(record.id, levels.get(previous, previous))
        old = last_level.get(record.id, "Inherited as the profile states")
        new = levels.get(record.level, record.level)
        if record.history_type == "-":
            old, new = new, "Inherited as the profile states"
        last_level[record.id] = levels.get(record.level, record.level)
        target = record.capability_requirement or record.training_requirement
        label = requirement_label(target) if target is not None else "a removed requirement"
        rows.append(
            HistoryRow(
                record.history_date,
                _who(record),
                f"Override: {label}",
                old,
                new,
                record.reason if record.history_type != "-" else record.history_change_reason or "",
            )
        )
    return rows


def _selection_rows(history: _Records) -> list[HistoryRow]:
    rows, last = [], {}
    statuses = dict(TrialSite.Status.choices)
    for record in history.records:
        previous = getattr(record, "previous_status", None)
        if previous is not None:
            last.setdefault(record.id, statuses.get(previous, previous))
        status = statuses.get(record.status, record.status)
        old = last.get(record.id, "")
        if old != status:
            rows.append(
                HistoryRow(
                    record.history_date,
                    _who(record),
                    f"Site: {record.site_name}",
                    old,
                    status,
                    record.reason or record.history_change_reason or "",
                )
            )
        last[record.id] = status
    return rows


def _trial_sources(trial: Trial, sites: QuerySet[Site]) -> tuple:
    """Each kind of record in a trial's history: (its historical records, how they become rows,
    the previous values a row compares with: None for the trial's own, compared whole)."""
    return (
        (_TRIAL_HISTORY.objects.filter(id=trial.pk), _trial_rows, None),
        *_requirement_sources(trial_id=trial.pk),
        (
            _OVERRIDE_HISTORY.objects.filter(trial_id=trial.pk)
            .select_related(
                "capability_requirement__profile",
                "training_requirement__course",
            )
            .prefetch_related("capability_requirement__capabilities"),
            _override_rows,
            {"level": "level"},
        ),
        (
            _TRIAL_SITE_HISTORY.objects.filter(trial_id=trial.pk, site__in=sites).annotate(
                site_name=F("site__name")
            ),
            _selection_rows,
            {"status": "status"},
        ),
    )


def _newest_first(rows: list[HistoryRow]) -> list[HistoryRow]:
    return sorted(rows, key=lambda row: row.when, reverse=True)


def trial_history(trial: Trial, *, sites: QuerySet[Site]) -> list[HistoryRow]:
    """Every recorded change to the trial, its requirements, overrides and the selection of
    `sites` (those the reader may see), newest first (who, when, old → new, why)."""
    return _newest_first(
        _rows([(_all(records), to_rows) for records, to_rows, _ in _trial_sources(trial, sites)])
    )


def recent_trial_history(
    trial: Trial, *, sites: QuerySet[Site], limit: int = RECENT_CHANGES
) -> tuple[list[HistoryRow], bool]:
    """The newest `limit` rows of `trial_history`, and whether there are older ones.

    The trial page shows these, so its cost must not grow with the history: each kind of
    record is read from its newest records only, each with the values it changed from (one
    query each, and one for their alternatives or profiles, whatever the length of the
    history). A record may give no row (a capability requirement saved before
    its alternatives were set) or several (a trial edit), so the window is twice `limit` and is
    widened, rarely, when it did not give enough rows."""
    window = 2 * limit
    while True:
        histories = [
            (
                _newest_of_one(records, window)
                if previous is None
                else _newest(records, window, **previous),
                to_rows,
            )
            for records, to_rows, previous in _trial_sources(trial, sites)
        ]
        rows = _rows(histories)
        since = max(
            (h.complete_from for h, _ in histories if h.complete_from is not None), default=None
        )
        known = _newest_first([r for r in rows if since is None or r.when >= since])
        if len(known) >= limit or since is None:
            return known[:limit], since is not None or len(known) > limit
        window *= 2


_PROFILE_FIELDS = {"code": "Code", "name": "Name", "description": "Description"}


def _profile_rows(profile: RequirementProfile) -> list[HistoryRow]:
    records = list(
        profile.history.select_related("history_user").order_by("history_date", "history_id")
    )
    rows = [
        HistoryRow(
            r.history_date, _who(r), "Profile created", "", r.name, r.history_change_reason or ""
        )
        for r in records[:1]
    ]
    for previous, record in zip(records, records[1:], strict=False):
        rows += [
            HistoryRow(
                record.history_date,
                _who(record),
                _PROFILE_FIELDS.get(c.field, c.field),
                c.old or "",
                c.new or "",
                record.history_change_reason or "",
            )
            for c in record.diff_against(previous).changes
        ]
    return rows


def profile_history(profile: RequirementProfile) -> list[HistoryRow]:
    """The profile's name and description changes and its requirements added, changed and
    removed, newest first."""
    return _newest_first(
        _profile_rows(profile)
        + _rows(
            [
                (_all(records), to_rows)
                for records, to_rows, _ in _requirement_sources(profile_id=profile.pk)
            ]
        )
    )
