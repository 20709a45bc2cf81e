from collections import defaultdict

from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from schools.models import School

from .models import ResultUpload, SchoolResult


def upload_list_for(user) -> QuerySet[ResultUpload]:
    qs = ResultUpload.objects.select_related("school", "academic_year", "uploaded_by")
    if user.is_superuser or user.is_department_staff:
        return qs
    visible = School.objects.visible_to(user)
    if user.is_principal:
        return qs.filter(Q(school__in=visible) | Q(uploaded_by=user))
    return qs.filter(school__in=visible)


def access_upload(user, pk: int) -> ResultUpload:
    """The upload if ``user`` may see it; Http404 for missing and forbidden alike."""
    return get_object_or_404(upload_list_for(user), pk=pk)


def can_import(user, upload: ResultUpload) -> bool:
    if user.is_superuser or user.is_department_staff:
        return True
    return user.is_principal and upload.school_id == user.school_id


SUM_FIELDS = ("participants", "mark2", "mark3", "mark4", "mark5", "below_minimum", "score_80_99", "score_100")


def results_for_school(school: School) -> list[dict]:
    """The school's results by year, with the municipality's totals for the same assessment, subject and grade."""
    results = list(SchoolResult.objects.filter(school=school).select_related("subject", "academic_year"))
    keys = {(r.academic_year_id, r.assessment, r.subject_id, r.grade) for r in results}
    municipal = {}
    if keys:
        rows = (SchoolResult.objects.filter(school__municipality_id=school.municipality_id,
                                            academic_year_id__in={k[0] for k in keys},
                                            subject_id__in={k[2] for k in keys})
                .values("academic_year_id", "assessment", "subject_id", "grade")
                .annotate(**{f: Sum(f) for f in SUM_FIELDS}))
        municipal = {(r["academic_year_id"], r["assessment"], r["subject_id"], r["grade"]): r for r in rows}
    by_year = defaultdict(list)
    for r in results:
        total = municipal.get((r.academic_year_id, r.assessment, r.subject_id, r.grade))
        # the municipality's sums as an unsaved result: the same share properties explain both rows
        by_year[r.academic_year].append({"result": r, "municipality": SchoolResult(**total) if total else None})
    return [{"year": year, "rows": sorted(rows, key=lambda x: (x["result"].assessment, x["result"].subject.name,
                                                               x["result"].grade))}
            for year, rows in sorted(by_year.items(), key=lambda item: -item[0].start_year)]
