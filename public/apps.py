from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Открытые данные"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the cache invalidation receivers
