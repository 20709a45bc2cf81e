from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.indicator_list, name="indicator_list"),
    path("recompute/", views.recompute, name="recompute"),
    path("<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("<int:pk>/values/new/", views.value_entry, name="value_entry"),
]
