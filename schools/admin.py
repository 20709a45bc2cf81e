from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AcademicYear, Municipality, RiskFactor, School, SchoolRiskProfile, SchoolYearProfile


class VisibleSchoolsMixin:
    """Curators see only their assigned schools in the admin; staff see all."""

    school_path = "school"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or request.user.role == "staff":
            return qs
        visible = School.objects.visible_to(request.user)
        if self.school_path == "self":
            return qs.filter(pk__in=visible)
        return qs.filter(**{f"{self.school_path}__in": visible})


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "region", "publish_school_cards"]
    search_fields = ["name", "short_name"]


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["label", "start_year"]


class ProfileInline(admin.StackedInline):
    model = SchoolYearProfile
    extra = 0


@admin.register(School)
class SchoolAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    school_path = "self"
    list_display = ["short_name", "municipality", "kind", "locality", "fis_oko_login", "is_active"]
    list_filter = ["municipality", "kind", "locality", "is_small", "has_senior_grades", "is_active"]
    search_fields = ["name", "short_name", "fis_oko_login"]
    list_select_related = ["municipality"]
    filter_horizontal = ["curators"]
    inlines = [ProfileInline]


@admin.register(SchoolYearProfile)
class SchoolYearProfileAdmin(VisibleSchoolsMixin, admin.ModelAdmin):
    list_display = ["school", "academic_year", "students", "teachers"]
    list_filter = ["academic_year", "school__municipality"]
    list_select_related = ["school", "academic_year"]
    search_fields = ["school__short_name", "school__name"]


@admin.register(RiskFactor)
class RiskFactorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_confirmed"]
    ordering = ["code"]


@admin.register(SchoolRiskProfile)
class SchoolRiskProfileAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    list_display = ["school", "academic_year", "factor", "level", "source"]
    list_filter = ["academic_year", "level", "factor", "school__municipality"]
    list_select_related = ["school", "academic_year", "factor"]
    search_fields = ["school__short_name", "school__name"]
