from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.municipality, name="municipality"),
    path("<int:pk>/schools/<int:school_pk>/", views.school, name="school"),
    path("<int:pk>/data/<slug:dataset>.<slug:fmt>", views.download, name="download"),
]
