from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from schools.models import Municipality, School
from schools.selectors import school_list_for

from .access import role_required
from .choices import Role

ROLE_HOME = {
    Role.STAFF: "staff_home",
    Role.PRINCIPAL: "principal_home",
    Role.CURATOR: "curator_home",
}


def home(request):
    """Send each user to their role's home page."""
    user = request.user
    if user.is_superuser:
        return redirect("staff_home")
    if user.role in ROLE_HOME:
        return redirect(ROLE_HOME[user.role])
    return render(request, "portal/home_norole.html", status=403)


@role_required(Role.STAFF)
def staff_home(request):
    municipalities = Municipality.objects.annotate(
        school_count=Count("schools", filter=Q(schools__is_active=True)),
        rural_count=Count("schools", filter=Q(schools__is_active=True, schools__locality="rural")),
    ).order_by("name")
    from roadmap.models import Roadmap, RoadmapStatus
    from roadmap.selectors import overdue_activities

    roadmaps = list(Roadmap.objects.filter(status=RoadmapStatus.APPROVED).select_related("municipality")
                    .annotate(activity_count=Count("activities")))
    for roadmap in roadmaps:
        roadmap.overdue_count = len(overdue_activities(roadmap))
    context = {
        "municipalities": municipalities,
        "school_total": School.objects.filter(is_active=True).count(),
        "roadmaps": roadmaps,
    }
    return render(request, "portal/home_staff.html", context)


@role_required(Role.PRINCIPAL)
def principal_home(request):
    from roadmap.selectors import activities_for_school

    school = get_object_or_404(School.objects.select_related("municipality"), pk=request.user.school_id)
    rows = [row for group in activities_for_school(school) for row in group["rows"]]
    return render(request, "portal/home_principal.html", {
        "school": school, "activity_total": len(rows),
        "activity_due": sum(1 for r in rows if r["cell"].is_due),
        "activity_overdue": sum(1 for r in rows if r["cell"].overdue)})


@role_required(Role.CURATOR)
def curator_home(request):
    schools = school_list_for(request.user)
    return render(request, "portal/home_curator.html", {"schools": schools})


@login_not_required
@require_GET
def health(request):
    """Liveness for the container healthcheck: the process answers and the database responds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "db_unavailable"}, status=503)
