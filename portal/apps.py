from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Портал"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups_after_migrate

        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="portal_sync_role_groups")
