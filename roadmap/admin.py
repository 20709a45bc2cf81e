from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from schools.admin import MunicipalityScopedMixin, VisibleSchoolsMixin

from .models import Activity, ActivityReport, Evidence, ResponsibleParty, Roadmap, Section


class SectionInline(VisibleSchoolsMixin, admin.TabularInline):
    school_paths = ("roadmap__school",)
    municipality_path = "roadmap__municipality"
    model = Section
    extra = 0
    fields = ["position", "number", "title"]


@admin.register(Roadmap)
class RoadmapAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    # a school roadmap belongs to its school, a municipal one to its municipality (as Roadmap.objects.visible_to)
    municipality_path = "municipality"
    list_display = ["title", "municipality", "scope", "school", "period_start", "period_end", "status"]
    list_filter = ["status", "scope", "municipality", "school"]
    search_fields = ["title", "order_number"]
    list_select_related = ["municipality", "school"]
    inlines = [SectionInline]


@admin.register(Activity)
class ActivityAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    school_paths = ("roadmap__school",)
    municipality_path = "roadmap__municipality"
    list_display = ["number", "title", "roadmap", "deadline_text", "schedule_kind", "schedule_parsed"]
    list_filter = ["schedule_kind", "schedule_parsed", "target_scope", "roadmap"]
    search_fields = ["number", "title", "responsible_text"]
    list_select_related = ["roadmap"]
    filter_horizontal = ["target_schools", "risk_factors", "responsible"]
    readonly_fields = ["schedule", "schedule_kind", "schedule_parsed", "version"]


class EvidenceInline(VisibleSchoolsMixin, admin.TabularInline):
    school_paths = ("report__school", "report__activity__roadmap__school")
    municipality_path = "report__activity__roadmap__municipality"
    model = Evidence
    extra = 0
    fields = ["original_name", "size", "content_type", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(ActivityReport)
class ActivityReportAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    # a school's report belongs to the school; a report without a school to its roadmap
    school_paths = ("school", "activity__roadmap__school")
    municipality_path = "activity__roadmap__municipality"
    list_display = ["activity", "school", "year", "quarter", "status", "author", "updated_at"]
    list_filter = ["status", "year", "quarter", "school", "activity__roadmap"]
    search_fields = ["activity__number", "activity__title", "school__short_name", "comment"]
    list_select_related = ["activity", "school", "author"]
    inlines = [EvidenceInline]


@admin.register(ResponsibleParty)
class ResponsiblePartyAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
