from django.contrib import admin

from schools.admin import VisibleSchoolsMixin

from .models import IndexValue


@admin.register(IndexValue)
class IndexValueAdmin(VisibleSchoolsMixin, admin.ModelAdmin):
    list_display = ["school", "academic_year", "kind", "source", "value"]
    list_filter = ["academic_year", "kind", "source", "school__municipality"]
    list_select_related = ["school", "academic_year"]
    search_fields = ["school__short_name"]
