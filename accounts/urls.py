from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/setup/", views.otp_setup, name="otp-setup"),
    path("two-factor/verify/", views.otp_verify, name="otp-verify"),
    path("emergency-access/", views.break_glass, name="break-glass"),
]
