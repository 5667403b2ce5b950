"""Two-factor setup and verification, and emergency access to one patient."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import BreakGlassForm, TokenForm
from accounts.models import BreakGlassGrant
from audit.models import AuditEvent
from patients.models import Patient


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified() and TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:otp-verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            AuditEvent.record(by=request.user, action="user.otp_device_added", request=request)
            messages.success(request, "Two-factor login is set up.")
            return redirect("/")
        form.add_error("token", "This code is not valid; check the time on your phone and try the current code.")
    # The QR code is drawn here as inline SVG: the secret never leaves the server for an outside service.
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title="Two-factor QR code")
    context = {"form": form, "qr_svg": qr_svg, "secret": device.config_url.split("secret=")[1].split("&")[0]}
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        AuditEvent.record(by=request.user, action="user.otp_failed", request=request, outcome="refused")
        form.add_error("token", "This code is not valid.")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    if not services.can_break_glass(request.user):
        raise Http404("Emergency access is for staff administrators.")
    form = BreakGlassForm(request.POST or None)
    if form.is_valid():
        patient = Patient.objects.current().filter(mrn=form.cleaned_data["mrn"].strip()).first()
        if patient is None:
            AuditEvent.record(
                by=request.user,
                action="patient.break_glass",
                request=request,
                outcome="refused",
                detail={"reason": form.cleaned_data["reason"], "mrn_found": False},
            )
            form.add_error("mrn", "No patient has this hospital number.")
        else:
            services.break_glass_grant_create(
                patient=patient, reason=form.cleaned_data["reason"], by=request.user, request=request
            )
            messages.warning(request, "Emergency access granted and recorded for review.")
            return redirect(patient)
    grants = BreakGlassGrant.objects.filter(user=request.user).active().select_related("patient")
    return render(request, "accounts/break_glass.html", {"form": form, "grants": grants})
