from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="patient-list"),
    path("new/", views.patient_create, name="patient-create"),
    path("<uuid:public_id>/", views.patient_detail, name="patient-detail"),
    path("<uuid:public_id>/history/", views.patient_history, name="patient-history"),
    path("<uuid:public_id>/case-file/", views.patient_export, name="patient-export"),
    path("<uuid:public_id>/<slug:kind>/new/", views.record_create, name="record-create"),
    path("<uuid:public_id>/<slug:kind>/<uuid:record_id>/", views.record_edit, name="record-edit"),
]
