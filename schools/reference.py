"""The ten «500+» risk factors (fixtures/reference/risk_factors.json), created where missing after every migrate."""

import json
from pathlib import Path

RISK_FACTORS_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "reference" / "risk_factors.json"


def load_risk_factors(apps=None) -> int:
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    model = apps.get_model("schools", "RiskFactor")
    created = 0
    for raw in json.loads(RISK_FACTORS_FILE.read_text(encoding="utf-8")):
        _, was_created = model.objects.get_or_create(
            code=raw["code"], defaults={"name": raw["name"], "is_confirmed": raw["is_confirmed"]})
        created += was_created
    return created


def ensure_risk_factors(sender=None, **kwargs) -> None:
    """post_migrate receiver: existing rows (possibly edited in the admin) are left as they are."""
    from django.db import connection

    if sender is not None and sender.name != "schools":
        return
    if "schools_riskfactor" not in connection.introspection.table_names():
        return
    load_risk_factors()
