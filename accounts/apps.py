from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from django.contrib.auth import get_user_model

        from accounts import security
        from accounts.names import display_name

        security.connect_lockout_log()
        # Wherever the admin or a page prints a user (who reviewed, approved, recorded, changed),
        # it prints the person's name, 姓 then 名, never the username.
        get_user_model().__str__ = display_name
