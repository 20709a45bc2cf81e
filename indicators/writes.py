"""Bulk writes of results: replace a scope's rows and derive the per-school aggregates.

Participant rows go through PostgreSQL COPY when the database is PostgreSQL (100 000 rows in well under a
second) and through bulk_create elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict

from django.db import connection

from .aggregates import aggregate_participants
from .choices import Assessment, ResultSource
from .models import ParticipantResult, SchoolResult

PARTICIPANT_COLUMNS = ("upload_id", "school_id", "academic_year_id", "assessment", "subject_id", "grade",
                       "participant_code", "class_name", "variant", "task_scores", "primary_score", "mark",
                       "journal_mark")


def _participant_tuples(upload, prepared):
    year_id = prepared.year.pk
    for p in prepared.result.participants:
        school = prepared.school_for_row.get(p.row)
        if school is None:
            continue
        yield (upload.pk, school.pk, year_id, Assessment.VPR, prepared.subject_for_label[p.subject].pk, p.grade,
               p.participant_code, p.class_name, p.variant, json.dumps(p.task_scores), p.primary_score, p.mark,
               p.journal_mark)


def _copy(rows) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    table = ParticipantResult._meta.db_table
    sql = f"COPY {table} ({', '.join(PARTICIPANT_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


def _bulk(rows) -> None:
    objects = [ParticipantResult(**dict(zip(PARTICIPANT_COLUMNS, row, strict=True))) for row in rows]
    for obj in objects:
        obj.task_scores = json.loads(obj.task_scores)
    ParticipantResult.objects.bulk_create(objects, batch_size=2000)


def _delete_scope(year, keys_by_group) -> None:
    """keys_by_group: {(assessment, subject_id, grade): {school_id, ...}} — delete those results and participants."""
    for (assessment, subject_id, grade), school_ids in keys_by_group.items():
        scope = {"academic_year": year, "assessment": assessment, "subject_id": subject_id, "grade": grade,
                 "school_id__in": school_ids}
        ParticipantResult.objects.filter(**scope).delete()
        SchoolResult.objects.filter(**scope).delete()


def replace_participants(upload, prepared) -> None:
    rows = list(_participant_tuples(upload, prepared))
    groups = defaultdict(set)
    for row in rows:
        groups[(row[3], row[4], row[5])].add(row[1])
    _delete_scope(prepared.year, groups)
    (_copy if connection.vendor == "postgresql" else _bulk)(rows)
    aggregates = aggregate_participants(((r[1], r[4], r[5]), r[10], r[11], r[12]) for r in rows)
    SchoolResult.objects.bulk_create([
        _derived_result(key, agg, prepared.year, upload.pk) for key, agg in aggregates.items()])


def _derived_result(key, agg, year, upload_id) -> SchoolResult:
    school_id, subject_id, grade = key
    return SchoolResult(
        school_id=school_id, academic_year=year, assessment=Assessment.VPR, subject_id=subject_id, grade=grade,
        participants=agg.participants, mark2=agg.mark2, mark3=agg.mark3, mark4=agg.mark4, mark5=agg.mark5,
        mean_mark=agg.mean_mark, mean_score=agg.mean_score, journal_lowered=agg.journal_lowered,
        journal_confirmed=agg.journal_confirmed, journal_raised=agg.journal_raised,
        source=ResultSource.DERIVED, upload_id=upload_id)


def replace_school_results(upload, prepared) -> None:
    results, groups = [], defaultdict(set)
    for row in prepared.result.aggregates:
        school = prepared.school_for_row.get(row.row)
        if school is None:
            continue
        subject = prepared.subject_for_label[row.subject]
        grade = row.grade or (11 if row.assessment == Assessment.EGE else 9)
        groups[(row.assessment, subject.pk, grade)].add(school.pk)
        results.append(SchoolResult(
            school=school, academic_year=prepared.year, assessment=row.assessment, subject=subject, grade=grade,
            participants=row.participants, mark2=row.mark2, mark3=row.mark3, mark4=row.mark4, mark5=row.mark5,
            mean_mark=row.mean_mark, mean_score=row.mean_score, below_minimum=row.below_minimum,
            score_80_99=row.score_80_99, score_100=row.score_100, source=ResultSource.IMPORTED, upload=upload))
    _delete_scope(prepared.year, groups)
    SchoolResult.objects.bulk_create(results, batch_size=2000)
