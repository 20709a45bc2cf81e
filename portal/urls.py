from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import audit, views

admin.site.site_header = "Портал качества образования — администрирование"
admin.site.site_title = "Администрирование портала"
admin.site.index_title = "Данные портала"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff_home"),
    path("principal/", views.principal_home, name="principal_home"),
    path("curator/", views.curator_home, name="curator_home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit.audit_log, name="audit"),
    path("public/health/", views.health, name="health"),
    path("public/", include("public.urls")),
    path("schools/", include("schools.urls")),
    path("results/", include("indicators.urls")),
    path("roadmaps/", include("roadmap.urls")),
    path("indicators/", include("monitoring.urls")),
    path("reports/", include("monitoring.urls_reports")),
    path("admin/", admin.site.urls),
]

# Uploaded files (result spreadsheets, evidence, reports) are never served from MEDIA_URL, not even in debug mode:
# only through the views that check who may download them.
