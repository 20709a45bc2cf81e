from django.urls import path

from . import views

app_name = "roadmap"

urlpatterns = [
    path("", views.roadmap_list, name="roadmap_list"),
    path("new/", views.roadmap_create, name="roadmap_create"),
    path("import/", views.roadmap_import, name="roadmap_import"),
    path("schedule-preview/", views.schedule_preview, name="schedule_preview"),
    path("<int:pk>/", views.roadmap_detail, name="roadmap_detail"),
    path("<int:pk>/edit/", views.roadmap_edit, name="roadmap_edit"),
    path("<int:pk>/print/", views.roadmap_print, name="roadmap_print"),
    path("<int:pk>/export.<str:fmt>", views.roadmap_export, name="roadmap_export"),
    path("<int:pk>/progress/", views.roadmap_progress, name="roadmap_progress"),
    path("<int:pk>/history/", views.roadmap_history, name="roadmap_history"),
    path("<int:pk>/sections/new/", views.section_create, name="section_create"),
    path("sections/<int:pk>/edit/", views.section_edit, name="section_edit"),
    path("sections/<int:pk>/delete/", views.section_delete, name="section_delete"),
    path("sections/<int:pk>/move/", views.section_move, name="section_move"),
    path("sections/<int:pk>/renumber/", views.section_renumber, name="section_renumber"),
    path("sections/<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/row/", views.activity_row, name="activity_row"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/move/", views.activity_move, name="activity_move"),
    path("activities/<int:pk>/report/", views.report_edit, name="report_edit"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
