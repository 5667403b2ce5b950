from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts: two-factor login and emergency access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import remember_otp_step

        user_logged_in.connect(remember_otp_step, dispatch_uid="accounts.remember_otp_step")
