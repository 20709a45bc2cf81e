from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Результаты и индексы"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .reference import ensure_reference_data

        post_migrate.connect(ensure_reference_data, dispatch_uid="indicators_reference_data")
