"""Bulk writes of results: replace a scope's rows and derive the per-school aggregates.

Participant rows are written while the file is read (``streaming.ParticipantStream``: PostgreSQL COPY from a
background thread, bulk_create elsewhere); here the older rows of their scope are replaced and the aggregates stored.
"""

from __future__ import annotations

import zlib
from collections import defaultdict

from django.db import connection

from .choices import Assessment, ResultSource
from .models import ParticipantResult, SchoolResult


def _lock_year(year) -> None:
    """Serialise the replacements of one academic year's results until the commit (PostgreSQL advisory lock; SQLite
    has one writer). Without it two imports of the same school, deleting and inserting rows in different orders,
    deadlock; or the later one fails on the unique constraint instead of replacing what the earlier one wrote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"results:{year.pk}".encode())])


def _delete_scope(year, keys_by_group, *, keep_upload=None) -> None:
    """keys_by_group: {(assessment, subject_id, grade): {school_id, ...}} — delete those results and participants
    (except the participants of ``keep_upload``, written before the replacement)."""
    _lock_year(year)
    for (assessment, subject_id, grade), school_ids in keys_by_group.items():
        scope = {"academic_year": year, "assessment": assessment, "subject_id": subject_id, "grade": grade,
                 "school_id__in": school_ids}
        participants = ParticipantResult.objects.filter(**scope)
        if keep_upload is not None:
            participants = participants.exclude(upload=keep_upload)
        participants.delete()
        SchoolResult.objects.filter(**scope).delete()


def replace_participants(upload, prepared, stream) -> None:
    """``stream`` has written the upload's participant rows: replace the older ones of the same scope, store the
    per-school aggregates of the new ones."""
    aggregates = stream.finish()
    created = {school.pk for school in prepared.resolution.new_schools.values()}  # nothing older to replace there
    scope = {group: school_ids - created for group, school_ids in stream.scope.items()}
    _delete_scope(prepared.year, {group: ids for group, ids in scope.items() if ids}, keep_upload=upload)
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
