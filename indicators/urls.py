from django.urls import path

from . import classification_views, index_views, views

app_name = "indicators"

urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/new/", views.upload_create, name="upload_create"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("templates/<slug:key>.xlsx", views.template_download, name="template_download"),
    path("schools/<int:pk>/", views.school_results, name="school_results"),
    path("indices/import/", index_views.index_import, name="index_import"),
    path("classification/", classification_views.classification_index, name="classification"),
    path("classification/runs/new/", classification_views.run_create, name="run_create"),
    path("classification/runs/<int:pk>/", classification_views.run_detail, name="run_detail"),
    path("classification/runs/<int:pk>/diff/", classification_views.run_diff, name="run_diff"),
    path("classification/schools/<int:pk>/", classification_views.school_statuses, name="school_statuses"),
    path("classification/methodologies/", classification_views.methodology_list, name="methodology_list"),
    path("classification/methodologies/<int:pk>/", classification_views.methodology_edit, name="methodology_edit"),
]
