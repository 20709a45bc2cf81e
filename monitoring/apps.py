from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Мониторинг и отчёты"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from indicators.models import ClassificationRun

        from .signals import run_finished

        post_save.connect(run_finished, sender=ClassificationRun, dispatch_uid="monitoring_run_finished")
