from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from schools.models import School

from .models import Activity, ActivityReport, Evidence, ResponsibleParty, Roadmap, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["position", "number", "title"]


@admin.register(Roadmap)
class RoadmapAdmin(SimpleHistoryAdmin):
    list_display = ["title", "municipality", "scope", "school", "period_start", "period_end", "status"]
    list_filter = ["status", "scope", "municipality"]
    search_fields = ["title", "order_number"]
    list_select_related = ["municipality", "school"]
    inlines = [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=Roadmap.objects.visible_to(request.user).values("pk"))


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "roadmap", "deadline_text", "schedule_kind", "schedule_parsed"]
    list_filter = ["schedule_kind", "schedule_parsed", "target_scope", "roadmap"]
    search_fields = ["number", "title", "responsible_text"]
    list_select_related = ["roadmap"]
    filter_horizontal = ["target_schools", "risk_factors", "responsible"]
    readonly_fields = ["schedule", "schedule_kind", "schedule_parsed", "version"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(roadmap__in=Roadmap.objects.visible_to(request.user).values("pk"))


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "size", "content_type", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(ActivityReport)
class ActivityReportAdmin(SimpleHistoryAdmin):
    list_display = ["activity", "school", "year", "quarter", "status", "author", "updated_at"]
    list_filter = ["status", "year", "quarter", "activity__roadmap"]
    list_select_related = ["activity", "school", "author"]
    inlines = [EvidenceInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_department_staff:
            return qs
        visible = Roadmap.objects.visible_to(request.user).values("pk")
        return qs.filter(Q(school__in=School.objects.visible_to(request.user))
                         | Q(school__isnull=True, activity__roadmap__in=visible))


@admin.register(ResponsibleParty)
class ResponsiblePartyAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
