from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from schools.admin import MunicipalityScopedMixin, VisibleSchoolsMixin

from .models import ClassificationRun, IndexValue, SchoolResult, SchoolStatus


class ReadOnlyAdminMixin:
    """Results and classification runs are written by imports and runs only; the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IndexValue)
class IndexValueAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    list_display = ["school", "academic_year", "kind", "source", "value"]
    list_filter = ["academic_year", "kind", "source", "school__municipality"]
    list_select_related = ["school", "academic_year"]
    search_fields = ["school__short_name"]


@admin.register(SchoolResult)
class SchoolResultAdmin(ReadOnlyAdminMixin, VisibleSchoolsMixin, admin.ModelAdmin):
    list_display = ["school", "academic_year", "assessment", "subject", "grade", "participants", "mark2",
                    "mean_mark", "mean_score", "source"]
    list_filter = ["academic_year", "assessment", "subject", "grade", "source", "school__municipality"]
    list_select_related = ["school", "academic_year", "subject"]
    search_fields = ["school__short_name", "school__name"]


class SchoolStatusInline(ReadOnlyAdminMixin, VisibleSchoolsMixin, admin.TabularInline):
    model = SchoolStatus
    fields = ["school", "oip", "isbs", "flags", "is_shnor", "is_shnsu", "is_participant", "is_resilient"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


@admin.register(ClassificationRun)
class ClassificationRunAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ["__str__", "municipality", "academic_year", "methodology", "trigger", "status", "started_by",
                    "created_at", "duration_ms"]
    list_filter = ["municipality", "academic_year", "status", "trigger"]
    list_select_related = ["municipality", "academic_year", "methodology", "started_by"]
    inlines = [SchoolStatusInline]


@admin.register(SchoolStatus)
class SchoolStatusAdmin(ReadOnlyAdminMixin, VisibleSchoolsMixin, admin.ModelAdmin):
    list_display = ["school", "run", "oip", "isbs", "flags", "is_shnor", "is_shnsu", "is_participant",
                    "is_resilient"]
    list_filter = ["is_shnor", "is_shnsu", "is_participant", "is_resilient", "run__academic_year",
                   "school__municipality"]
    list_select_related = ["school", "run", "run__municipality", "run__academic_year"]
    search_fields = ["school__short_name", "school__name"]
