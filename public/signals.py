"""Invalidate the open pages when what they show changes.

The version is bumped at once and again after the transaction commits: a page built by another request between
the two (from data not yet committed) is then never served.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from indicators.models import ClassificationRun, ResultUpload
from monitoring.models import IndicatorValue, TargetIndicator, TargetValue
from schools.models import Municipality, School

from .cache import bump


def _invalidate(*municipality_ids) -> None:
    ids = [pk for pk in municipality_ids if pk is not None]
    bump(*ids)
    transaction.on_commit(lambda: bump(*ids))


@receiver(post_save, sender=ClassificationRun, dispatch_uid="public_run")
def run_saved(sender, instance, **kwargs):
    from indicators.choices import RunStatus

    if instance.status == RunStatus.DONE:
        _invalidate(instance.municipality_id)


@receiver(post_delete, sender=ClassificationRun, dispatch_uid="public_run_deleted")
def run_deleted(sender, instance, **kwargs):
    _invalidate(instance.municipality_id)


@receiver([post_save, post_delete], sender=TargetIndicator, dispatch_uid="public_indicator")
def indicator_changed(sender, instance, **kwargs):
    _invalidate(instance.municipality_id)


@receiver([post_save, post_delete], sender=TargetValue, dispatch_uid="public_target")
@receiver([post_save, post_delete], sender=IndicatorValue, dispatch_uid="public_value")
def value_changed(sender, instance, **kwargs):
    municipality_id = (TargetIndicator.objects.filter(pk=instance.indicator_id)
                       .values_list("municipality_id", flat=True).first())
    _invalidate(municipality_id)


@receiver([post_save, post_delete], sender=Municipality, dispatch_uid="public_municipality")
def municipality_changed(sender, instance, **kwargs):
    _invalidate(instance.pk)


@receiver([post_save, post_delete], sender=School, dispatch_uid="public_school")
def school_changed(sender, instance, **kwargs):
    _invalidate(instance.municipality_id)


@receiver(post_save, sender=ResultUpload, dispatch_uid="public_results")
def results_imported(sender, instance, **kwargs):
    """Results are replaced in bulk by an import: the school cards of every municipality may change."""
    from indicators.choices import UploadStatus

    if instance.status == UploadStatus.IMPORTED:
        _invalidate(*Municipality.objects.values_list("pk", flat=True))
