from django.urls import path

from . import report_views as views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_create, name="report_create"),
    path("<int:pk>/download/", views.report_download, name="report_download"),
    path("schools/<int:pk>/", views.school_card, name="school_card"),
    path("schools/<int:pk>/card.pdf", views.school_card_pdf, name="school_card_pdf"),
]
