from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.school_list, name="school_list"),
    path("new/", views.school_create, name="school_create"),
    path("<int:pk>/", views.school_detail, name="school_detail"),
    path("<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("register/import/", views.register_import, name="register_import"),
    path("register/template.xlsx", views.register_template_download, name="register_template"),
]
