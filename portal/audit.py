"""«Журнал действий» for staff: logins, result uploads, index values, methodologies and roadmaps, merged by time.

Every source is a record the portal already keeps, read newest first:

* входы и выходы — django-axes ``AccessLog`` (login time, logout time, user name, address);
  неудачные входы — ``AccessFailureLog`` (``AXES_ENABLE_ACCESS_FAILURE_LOG``);
* загрузки результатов — ``ResultUpload``: who sent the file and when, its status (rejected: the errors);
  who confirmed the import and when, how many rows replaced the scope's old ones;
* индексы ОИП/ИСБШ, методики, дорожные карты (карта, раздел, мероприятие, отчёт о выполнении) — the
  django-simple-history tables: who, when, created / changed (old → new) / deleted.

A page reads the first page × size rows of every source, merges them and keeps its slice, so the number of queries
does not depend on the number of events (pages deeper than ``MAX_ROWS`` rows per source are not shown).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats

from .access import staff_required
from .models import User

PAGE_SIZE = 50
MAX_ROWS = 5000
KINDS = {
    "login": "Входы и выходы",
    "login_failed": "Неудачные входы",
    "upload": "Загрузки результатов",
    "index": "Индексы ОИП и ИСБШ",
    "methodology": "Методики классификации",
    "roadmap": "Дорожные карты",
}
ACTIONS = {"+": "создано", "~": "изменено", "-": "удалено"}
# not shown as changes: keys, timestamps, the order and the optimistic-lock counter, the parsed schedule
HIDDEN_FIELDS = {"id", "created_at", "updated_at", "position", "version", "schedule", "schedule_kind",
                 "schedule_parsed"}


@dataclass
class Event:
    when: datetime
    kind: str
    action: str
    subject: str = ""
    user: Any = None
    username: str = ""
    address: str = ""
    url: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    group: tuple | None = None  # consecutive events of one group (an import) are shown as one line
    group_label: str = ""
    count: int = 1

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def who(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.username or "система (команда или задача)"


@dataclass(frozen=True)
class Source:
    kind: str
    queryset: Callable[[], QuerySet]
    time: str  # the field the source is ordered by
    user_lookup: str  # how the rows are filtered by user name
    events: Callable[[list], list[Event]]

    def rows(self, username: str) -> QuerySet:
        qs = self.queryset()
        if username:
            qs = qs.filter(**{self.user_lookup: username})
        return qs.order_by(f"-{self.time}", "-pk")


# --- logins -------------------------------------------------------------------------------------------------------

def _browser(user_agent: str) -> str:
    return "" if not user_agent or user_agent == "<unknown>" else f"браузер: {user_agent[:120]}"


def _logins(rows) -> list[Event]:
    return [Event(when=r.attempt_time, kind="login", action="вход", username=r.username or "",
                  address=r.ip_address or "", subject=_browser(r.user_agent)) for r in rows]


def _logouts(rows) -> list[Event]:
    return [Event(when=r.logout_time, kind="login", action="выход", username=r.username or "",
                  address=r.ip_address or "", subject=_browser(r.user_agent)) for r in rows]


def _failures(rows) -> list[Event]:
    return [Event(when=r.attempt_time, kind="login_failed",
                  action="вход заблокирован" if r.locked_out else "неверный пароль или имя",
                  username=r.username or "", address=r.ip_address or "", subject=_browser(r.user_agent))
            for r in rows]


# --- result uploads -----------------------------------------------------------------------------------------------

def _upload_subject(upload) -> str:
    parts = [f"«{upload.original_name}»", upload.get_kind_display()]
    if upload.academic_year_id:
        parts.append(upload.academic_year.label)
    parts.append(upload.school.short_name if upload.school_id else "несколько школ")
    return ", ".join(parts)


def _uploads_received(rows) -> list[Event]:
    events = []
    for upload in rows:
        rejected = upload.status == "rejected"
        events.append(Event(when=upload.created_at, kind="upload", user=upload.uploaded_by,
                            action="файл отклонён" if rejected else "файл получен на проверку",
                            subject=f"{_upload_subject(upload)}; статус: {upload.get_status_display()}",
                            url=upload.get_absolute_url()))
    return events


def _uploads_imported(rows) -> list[Event]:
    return [Event(when=u.imported_at, kind="upload", user=u.confirmed_by, action="результаты загружены",
                  subject=f"{_upload_subject(u)}; строк: {u.row_count} (прежние строки заменены)",
                  url=u.get_absolute_url()) for u in rows]


# --- histories ----------------------------------------------------------------------------------------------------

def _shown(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field is not None and model_field.choices:
        value = dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = formats.localize(value) if isinstance(value, (Decimal, float)) else str(value)
    return text if len(text) <= 160 else text[:159] + "…"


def _changes(model, old, new) -> list[tuple[str, str, str]]:
    """(field, old, new) for every tracked field that differs; a dictionary field key by key."""
    changes = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in HIDDEN_FIELDS or model_field.is_relation:
            continue
        before, after = getattr(old, model_field.attname), getattr(new, model_field.attname)
        if before == after:
            continue
        label = str(model_field.verbose_name)
        if isinstance(before, dict) and isinstance(after, dict):
            changes += [(f"{label}: {key}", _shown(None, before.get(key)), _shown(None, after.get(key)))
                        for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]
        else:
            changes.append((label, _shown(model_field, before), _shown(model_field, after)))
    return changes


def _previous(rows) -> dict[int, Any]:
    """history_id → the record before it (of the same object), for the changed records; one query."""
    changed = [r for r in rows if r.history_type == "~"]
    if not changed:
        return {}
    manager = type(changed[0])._default_manager
    earlier = manager.filter(id__in={r.id for r in changed}, history_date__lte=max(r.history_date for r in changed))
    by_object: dict[int, list] = {}
    for record in earlier.order_by("id", "history_date", "history_id"):
        by_object.setdefault(record.id, []).append(record)
    result = {}
    for row in changed:
        chain = by_object.get(row.id, [])
        position = bisect_left([(r.history_date, r.history_id) for r in chain], (row.history_date, row.history_id))
        if position:
            result[row.history_id] = chain[position - 1]
    return result


def _history_events(kind: str, model, rows, describe: Callable, url: Callable, group: Callable | None = None):
    previous = _previous(rows)
    events = []
    for row in rows:
        older = previous.get(row.history_id)
        event = Event(when=row.history_date, kind=kind, action=ACTIONS[row.history_type], user=row.history_user,
                      subject=describe(row), url=url(row) if row.history_type != "-" else "",
                      changes=_changes(model, older, row) if older is not None else [])
        if row.history_change_reason:
            event.subject += f" ({row.history_change_reason})"
        if group is not None and (grouped := group(row, older)):
            event.group, event.group_label = grouped
        events.append(event)
    return events


def _index_events(rows):
    def describe(r):
        school = r.school.short_name if r.school else f"школа № {r.school_id}"
        year = r.academic_year.label if r.academic_year else ""
        return f"{r.get_kind_display()} — {school}, {year}: {formats.localize(r.value)}; {r.get_source_display()}"

    def group(r, older):
        """The values one import wrote (each import writes its own note); an edit in the admin stays alone."""
        if r.history_type == "~" and (older is None or older.source_note == r.source_note):
            return None
        return ("index", r.history_user_id, r.history_type, r.source_note), \
            f"значения ОИП/ИСБШ ({ACTIONS[r.history_type]}) — {r.source_note or 'без пометки'}"

    return _history_events("index", _model("indicators", "IndexValue"), rows, describe,
                           lambda r: reverse("schools:school_detail", args=[r.school_id]), group)


def _methodology_events(rows):
    return _history_events("methodology", _model("indicators", "Methodology"), rows,
                           lambda r: f"методика «{r.name}», версия {r.version}",
                           lambda r: reverse("indicators:methodology_edit", args=[r.id]))


def _roadmap_group(r, older):
    """Sections and activities of one roadmap created (an import) or deleted together by one user: one line."""
    if r.history_type == "~":
        return None
    if not hasattr(r, "roadmap_id"):  # the roadmap itself
        return ("roadmap", r.history_user_id, r.history_type, r.id), f"дорожная карта «{r.title}» и её записи"
    return ("roadmap", r.history_user_id, r.history_type, r.roadmap_id), \
        f"разделы и мероприятия — {_roadmap_title(r)}"


def _roadmap_events(rows):
    return _history_events("roadmap", _model("roadmap", "Roadmap"), rows, lambda r: f"дорожная карта «{r.title}»",
                           lambda r: reverse("roadmap:roadmap_detail", args=[r.id]), _roadmap_group)


def _section_events(rows):
    return _history_events("roadmap", _model("roadmap", "Section"), rows,
                           lambda r: f"раздел {r.number} «{r.title}» — {_roadmap_title(r)}".replace("  ", " "),
                           lambda r: reverse("roadmap:roadmap_detail", args=[r.roadmap_id]), _roadmap_group)


def _activity_events(rows):
    return _history_events("roadmap", _model("roadmap", "Activity"), rows,
                           lambda r: f"мероприятие {r.number} «{r.title[:100]}» — {_roadmap_title(r)}",
                           lambda r: reverse("roadmap:activity_detail", args=[r.id]), _roadmap_group)


def _report_events(rows):
    def describe(r):
        school = f", {r.school.short_name}" if r.school_id and r.school else ""
        number = r.activity.number if r.activity else r.activity_id
        return f"отчёт по мероприятию {number} за {r.quarter} кв. {r.year}{school}: {r.get_status_display()}"

    def group(r, older):  # reports a command loaded (no user) go on one line; people report one by one
        if r.history_user_id is not None or r.history_type == "~" or r.activity is None:
            return None
        return ("roadmap", None, r.history_type, r.activity.roadmap_id), \
            f"отчёты о выполнении — «{r.activity.roadmap.title}»"

    return _history_events("roadmap", _model("roadmap", "ActivityReport"), rows, describe,
                           lambda r: reverse("roadmap:activity_detail", args=[r.activity_id]), group)


def _roadmap_title(record) -> str:
    return f"«{record.roadmap.title}»" if record.roadmap else f"дорожная карта № {record.roadmap_id}"


def _model(app_label: str, name: str):
    return apps.get_model(app_label, name)


def _history(app_label: str, name: str, *related: str) -> Callable[[], QuerySet]:
    return lambda: _model(app_label, name).history.select_related("history_user", *related)


def _uploads(user_field: str) -> Callable[[], QuerySet]:
    return lambda: (_model("indicators", "ResultUpload").objects
                    .select_related("school", "academic_year", user_field)
                    .defer("summary", "errors", "warnings", "options"))


def sources() -> list[Source]:
    axes_log, axes_failures = _model("axes", "AccessLog"), _model("axes", "AccessFailureLog")
    return [
        Source("login", lambda: axes_log.objects.all(), "attempt_time", "username", _logins),
        Source("login", lambda: axes_log.objects.filter(logout_time__isnull=False), "logout_time", "username",
               _logouts),
        Source("login_failed", lambda: axes_failures.objects.all(), "attempt_time", "username", _failures),
        Source("upload", _uploads("uploaded_by"), "created_at", "uploaded_by__username", _uploads_received),
        Source("upload", lambda: _uploads("confirmed_by")().filter(imported_at__isnull=False), "imported_at",
               "confirmed_by__username", _uploads_imported),
        # the portal's own bulk recompute deletes computed values it no longer has: not someone's action
        Source("index", lambda: _history("indicators", "IndexValue", "school", "academic_year")().exclude(
            source="computed", history_type="-"), "history_date", "history_user__username", _index_events),
        Source("methodology", _history("indicators", "Methodology"), "history_date", "history_user__username",
               _methodology_events),
        Source("roadmap", _history("roadmap", "Roadmap"), "history_date", "history_user__username", _roadmap_events),
        Source("roadmap", _history("roadmap", "Section", "roadmap"), "history_date", "history_user__username",
               _section_events),
        Source("roadmap", _history("roadmap", "Activity", "roadmap"), "history_date", "history_user__username",
               _activity_events),
        Source("roadmap", _history("roadmap", "ActivityReport", "activity__roadmap", "school"), "history_date",
               "history_user__username", _report_events),
    ]


class AuditFeed:
    """The events of the chosen sources newest first, for ``Paginator``: ``count()`` and slices."""

    def __init__(self, *, kind: str = "", username: str = ""):
        self.sources = [s for s in sources() if not kind or s.kind == kind]
        self.username = username

    def count(self) -> int:
        return sum(min(source.rows(self.username).count(), MAX_ROWS) for source in self.sources)

    def __getitem__(self, window: slice) -> list[Event]:
        stop = min(window.stop, MAX_ROWS)
        tagged = []
        for index, source in enumerate(self.sources):
            tagged += [(getattr(row, source.time), index, row) for row in source.rows(self.username)[:stop]]
        tagged.sort(key=lambda item: item[0], reverse=True)
        chosen = tagged[window.start:stop]
        by_source: dict[int, list] = {}
        for _, index, row in chosen:
            by_source.setdefault(index, []).append(row)
        converted = {index: iter(self.sources[index].events(rows)) for index, rows in by_source.items()}
        events = [next(converted[index]) for _, index, _ in chosen]
        _attach_users(events)
        return _collapse(events)


def _attach_users(events: list[Event]) -> None:
    """The users of the log-in events, known there only by name; one query."""
    names = {e.username for e in events if e.user is None and e.username}
    users = {u.username: u for u in User.objects.filter(username__in=names)} if names else {}
    for event in events:
        if event.user is None and event.username in users:
            event.user = users[event.username]


def _collapse(events: list[Event]) -> list[Event]:
    """Consecutive events of one group (the rows of one import) become one line with a count."""
    result: list[Event] = []
    for event in events:
        last = result[-1] if result else None
        if last is not None and event.group is not None and last.group == event.group:
            last.count += 1
            last.subject, last.changes, last.url = last.group_label, [], ""
            continue
        result.append(event)
    return result


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Что", required=False, choices=[("", "все события"), *KINDS.items()])
    user = forms.ChoiceField(label="Кто", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.order_by("last_name", "first_name", "username").only(
            "username", "last_name", "first_name", "middle_name")
        self.fields["user"].choices = [("", "все пользователи"),
                                       *((u.username, f"{u.display_name} ({u.username})") for u in users)]


@staff_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    feed = AuditFeed(kind=filters.get("kind", ""), username=filters.get("user", ""))
    page = Paginator(feed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/audit.html", {"form": form, "page": page, "events": page.object_list})
