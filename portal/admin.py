from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from schools.admin import VisibleSchoolsMixin

from .models import User


@admin.register(User)
class UserAdmin(VisibleSchoolsMixin, BaseUserAdmin):
    # closed to curators by their role's permissions; scoped all the same, should a role ever be given access
    list_display = ["username", "last_name", "first_name", "role", "school", "is_active", "is_demo"]
    list_filter = ["role", "is_active", "is_demo", "is_staff"]
    list_select_related = ["school"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Роль в портале", {"fields": ("middle_name", "position", "role", "school", "is_demo")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Роль в портале", {"fields": ("last_name", "first_name", "middle_name", "role", "school")}),
    )
