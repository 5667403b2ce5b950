from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("patients/<uuid:public_id>/case-summary.pdf", views.case_summary, name="case-summary"),
    path("meetings/<uuid:public_id>/", views.meeting_print, name="meeting-print"),
    path("exports/<uuid:public_id>/", views.export_detail, name="export-detail"),
    path("exports/<uuid:public_id>/download/", views.export_download, name="export-download"),
]
