from django import forms


class BreakGlassForm(forms.Form):
    mrn = forms.CharField(label="Hospital number (MRN)", max_length=40)
    reason = forms.CharField(
        min_length=20,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you need this record now. The reason is recorded and reviewed.",
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label="Code from your authenticator app",
        max_length=6,
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
