from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts: two-factor login and emergency access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from accounts.groups import reinstall_after_migrate
        from accounts.middleware import remember_otp_step

        user_logged_in.connect(remember_otp_step, dispatch_uid="accounts.remember_otp_step")
        # Like Django's own permissions: the role groups come back after every migrate and flush.
        post_migrate.connect(reinstall_after_migrate, dispatch_uid="accounts.role_groups")
