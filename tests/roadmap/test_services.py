"""Roadmap writes: optimistic locking, ordering, deletion rules, responsible parties, progress reports."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from roadmap import selectors, services
from roadmap.models import Activity, ActivityReport, ReportStatus


@pytest.mark.parametrize(("text", "parties"), [
    ("Управление образования МКУ КРО Администрация ОО", ["Управление образования", "МКУ КРО", "Администрация ОО"]),
    ("Отдел образования Казакова О.Б., ОО", ["Отдел образования Казакова О.Б.", "ОО"]),
    ("Отдел образования Казакова О.Б.\nОО", ["Отдел образования Казакова О.Б.", "ОО"]),
    ("ММС Ляхова Н.Ю.", ["ММС Ляхова Н.Ю."]),
    ("МУДО «Чойский ЦДО» Рябищенко Л.Д., ОО", ["МУДО «Чойский ЦДО» Рябищенко Л.Д.", "ОО"]),
    ("Управление образования МКУ КРО Администрация ОО Администрация ОО",
     ["Управление образования", "МКУ КРО", "Администрация ОО"]),
    ("", []),
])
def test_split_responsible(text, parties):
    assert services.split_responsible(text) == parties


def test_activity_schedule_is_parsed_on_save(activity):
    assert activity.schedule_kind == "quarterly"
    assert activity.schedule_parsed
    assert activity.parsed_schedule.text == "ежеквартально"
    assert [p.name for p in activity.responsible.order_by("name")] == ["МКУ КРО", "Управление образования"]


def test_concurrent_edit_is_refused_with_a_clear_message(activity, staff_user):
    opened_by_a = opened_by_b = activity.version
    services.activity_update(activity=activity, user=staff_user, version=opened_by_a,
                             fields={"deadline_text": "ежемесячно"})
    with pytest.raises(services.ConflictError) as err:
        services.activity_update(activity=activity, user=staff_user, version=opened_by_b,
                                 fields={"deadline_text": "постоянно"})
    assert "уже изменил другой пользователь" in str(err.value)
    activity.refresh_from_db()
    assert activity.deadline_text == "ежемесячно"
    assert activity.version == 2


def test_move_swaps_positions_and_crosses_sections(activity, targeted_activity, second_section, staff_user):
    services.activity_move(activity=targeted_activity, user=staff_user, direction=-1)
    order = list(Activity.objects.filter(section=activity.section).order_by("position")
                 .values_list("number", flat=True))
    assert order == ["1.2", "1.1"]
    # the last activity of a section moves down into the first place of the next section
    services.activity_move(activity=Activity.objects.get(number="1.1"), user=staff_user, direction=1)
    moved = Activity.objects.get(number="1.1")
    assert moved.section == second_section and moved.position == 1
    # the first activity of the first section cannot move up
    assert services.activity_move(activity=Activity.objects.get(number="1.2"), user=staff_user, direction=-1) is False


def test_renumber_follows_the_current_order(activity, targeted_activity, staff_user):
    services.activity_move(activity=targeted_activity, user=staff_user, direction=-1)
    assert services.section_renumber(section=activity.section, user=staff_user) == 2
    assert dict(Activity.objects.values_list("title", "number"))[targeted_activity.title] == "1.1"


def test_activity_with_reports_cannot_be_deleted(activity, staff_user):
    services.report_save(activity=activity, user=staff_user, year=2025, quarter=1, status=ReportStatus.DONE)
    with pytest.raises(ValidationError, match="уже есть отчёты"):
        services.activity_delete(activity=activity, user=staff_user)
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_report_is_one_per_quarter_and_keeps_its_history(activity, staff_user):
    first = services.report_save(activity=activity, user=staff_user, year=2025, quarter=2,
                                 status=ReportStatus.IN_PROGRESS, comment="начато")
    second = services.report_save(activity=activity, user=staff_user, year=2025, quarter=2,
                                  status=ReportStatus.DONE, comment="сделано", version=first.version)
    assert first.pk == second.pk
    assert ActivityReport.objects.count() == 1
    statuses = [h.status for h in second.history.order_by("history_date")]
    assert statuses == [ReportStatus.IN_PROGRESS, ReportStatus.DONE]
    assert all(h.history_user == staff_user for h in second.history.all())
    with pytest.raises(services.ConflictError):
        services.report_save(activity=activity, user=staff_user, year=2025, quarter=2, status=ReportStatus.FAILED,
                             version=first.version)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("акт.exe", b"MZ\x90\x00", "допускаются только"),
    ("акт.pdf", b"", "пустой"),
    ("акт.pdf", b"<html>not a pdf</html>", "не похож на .pdf"),
    ("фото.png", b"\xff\xd8\xff\xe0 jpeg bytes", "не похож на .png"),
])
def test_evidence_is_checked(activity, staff_user, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.report_save(activity=activity, user=staff_user, year=2025, quarter=1, status=ReportStatus.DONE,
                             files=[SimpleUploadedFile(name, content)])
    assert not ActivityReport.objects.exists()


def test_evidence_is_stored_under_a_safe_name(activity, staff_user):
    report = services.report_save(activity=activity, user=staff_user, year=2025, quarter=1,
                                  status=ReportStatus.DONE,
                                  files=[SimpleUploadedFile("../../Акт проверки.pdf", b"%PDF-1.4 test")])
    evidence = report.evidence.get()
    assert evidence.file.name.startswith("roadmap/evidence/")
    assert evidence.file.name.endswith("/file.pdf")
    assert ".." not in evidence.file.name
    assert evidence.original_name == "../../Акт проверки.pdf"[-255:] or evidence.original_name.endswith(".pdf")


def test_overdue_and_done(activity, staff_user):
    # quarterly: due 31.03.2025; on 15.04.2025 it is overdue until a «выполнено» report for Q1 exists
    on = date(2025, 4, 15)
    matrix = selectors.progress_matrix(activity.roadmap, 2025, on=on)
    cells = matrix["rows"][0].cells
    assert cells[0].due == [date(2025, 3, 31)] and cells[0].overdue
    assert not cells[1].overdue  # Q2 due on 30.06, not yet
    assert [a.number for a, _ in selectors.overdue_activities(activity.roadmap, on=on)] == ["1.1"]
    services.report_save(activity=activity, user=staff_user, year=2025, quarter=1, status=ReportStatus.DONE)
    assert selectors.overdue_activities(activity.roadmap, on=on) == []
    services.report_save(activity=activity, user=staff_user, year=2025, quarter=2, status=ReportStatus.POSTPONED)
    later = selectors.progress_matrix(activity.roadmap, 2025, on=date(2025, 7, 10))
    assert not later["rows"][0].cells[1].overdue  # postponed is not overdue


def test_targeted_activity_counts_school_reports(targeted_activity, school, principal_user, staff_user):
    services.report_save(activity=targeted_activity, user=principal_user, year=2025, quarter=1, school=school,
                         status=ReportStatus.DONE)
    cell = selectors.progress_matrix(targeted_activity.roadmap, 2025, on=date(2025, 5, 1))["rows"][0].cells[0]
    assert (cell.school_done, cell.school_total) == (1, 1)
    assert not cell.overdue
    items = selectors.activities_for_school(school, on=date(2025, 5, 1))
    assert [row["activity"].number for group in items for row in group["rows"]] == ["1.2"]


def test_activity_history_is_readable(activity, staff_user):
    services.activity_update(activity=activity, user=staff_user, version=activity.version,
                             fields={"deadline_text": "ежегодно (август)"})
    entries = selectors.activity_history(activity)
    assert entries[0]["kind"] == "изменено" and entries[0]["who"] == staff_user
    change = next(c for c in entries[0]["changes"] if c["field"] == "сроки (как в документе)")
    assert (change["old"], change["new"]) == ("ежеквартально", "ежегодно (август)")
    assert entries[-1]["kind"] == "создано"
