from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from schools.admin import MunicipalityScopedMixin

from .models import IndicatorValue, TargetIndicator, TargetValue
from .report_models import QuarterlyReport


class TargetValueInline(MunicipalityScopedMixin, admin.TabularInline):
    municipality_path = "indicator__municipality"
    model = TargetValue
    extra = 0
    fields = ["year", "academic_year", "comparison", "target", "text"]


@admin.register(TargetIndicator)
class TargetIndicatorAdmin(MunicipalityScopedMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "municipality", "unit", "kind", "computation", "period_kind"]
    list_filter = ["municipality", "kind", "unit"]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["activities"]
    inlines = [TargetValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(MunicipalityScopedMixin, SimpleHistoryAdmin):
    municipality_path = "indicator__municipality"
    list_display = ["indicator", "year", "academic_year", "value", "numerator", "denominator", "source", "author"]
    list_filter = ["source", "indicator__municipality"]
    list_select_related = ["indicator", "academic_year", "author"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ["municipality", "year", "quarter", "version", "status", "trigger", "created_at", "duration_ms"]
    list_filter = ["status", "trigger", "year", "quarter", "municipality"]
    list_select_related = ["municipality"]
    readonly_fields = [f.name for f in QuarterlyReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # reports are requested on the «Отчёты» page, which queues the rendering
