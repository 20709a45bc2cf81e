from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Реестр школ"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .reference import ensure_risk_factors

        post_migrate.connect(ensure_risk_factors, dispatch_uid="schools_risk_factors")
