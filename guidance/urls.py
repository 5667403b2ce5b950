from django.urls import path

from guidance import views

app_name = "guidance"

urlpatterns = [
    path("patients/<uuid:public_id>/", views.patient_guidance, name="patient-guidance"),
]
