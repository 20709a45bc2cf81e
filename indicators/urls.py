from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/new/", views.upload_create, name="upload_create"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("templates/<slug:key>.xlsx", views.template_download, name="template_download"),
    path("schools/<int:pk>/", views.school_results, name="school_results"),
]
