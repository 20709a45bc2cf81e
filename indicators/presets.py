"""The methodology presets shipped with the portal (created by a migration and re-created if missing)."""

PRESETS = [
    {
        "name": "Ярославская область",
        "preset": "yaroslavl",
        "is_default": True,
        "description": (
            "Региональная модель Ярославской области (программа поддержки ШНОР/ШНСУ Тутаевского МР, таблицы 1–3): "
            "ШНОР — ОИП ниже порога 36; ШНСУ — ИСБШ ниже среднего по району и не менее 2 признаков типологии; "
            "участники программы — ОИП и ИСБШ ниже средних по району; резилиентные — ИСБШ ниже среднего, ОИП не ниже "
            "среднего. Средние по региону (ЯО) 2019 г.: ОИП 43,92, ИСБШ 51,21."
        ),
        "params": {
            "oip_source": "imported_or_computed", "isbs_source": "imported_or_computed",
            "oip_threshold": 36, "oip_mean_scope": "district", "isbs_mean_scope": "district",
            "region_oip_mean": 43.92, "region_isbs_mean": 51.21, "min_flags": 2,
        },
    },
    {
        "name": "Рособрнадзор: индикатор риска",
        "preset": "rosobrnadzor_risk",
        "is_default": False,
        "description": (
            "Индикатор риска государственного контроля (2025): не менее 30 % участников не преодолели границу "
            "отметки «2» в двух и более оценочных процедурах учебного года или в одной и той же процедуре два года "
            "подряд. ШНСУ — по ИСБШ, как в ярославской модели."
        ),
        "params": {
            "share_threshold": 30, "min_procedures": 2, "consecutive_years": True, "min_participants": 5,
            "shnsu_by_isbs": True, "isbs_source": "imported_or_computed", "isbs_mean_scope": "district",
            "min_flags": 2,
        },
    },
    {
        "name": "ФИОКО: нижняя доля",
        "preset": "fioko_bottom",
        "is_default": False,
        "description": (
            "Подход ФИОКО: нижние P % школ муниципалитета по доле «2» ВПР по русскому языку и математике за два "
            "года, без школ с признаками необъективности результатов. P, годы, процедуры и предметы — параметры."
        ),
        "params": {
            "bottom_percent": 10, "years": 2, "assessments": ["vpr"], "subjects": ["rus", "math"],
            "min_participants": 10, "exclude_biased": True, "shnsu_by_isbs": True,
            "isbs_source": "imported_or_computed", "isbs_mean_scope": "district", "min_flags": 2,
        },
    },
]


def ensure_presets(apps=None, *, update: bool = False) -> None:
    """Create the presets (and the nightly schedule) that are missing; ``update`` resets them to these values."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    methodology = apps.get_model("indicators", "Methodology")
    save = methodology.objects.update_or_create if update else methodology.objects.get_or_create
    for preset in PRESETS:
        save(name=preset["name"], defaults={k: v for k, v in preset.items() if k != "name"})
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab_model.objects.get_or_create(minute="0", hour="3", day_of_week="*", day_of_month="*",
                                                      month_of_year="*", timezone="Europe/Moscow")
    task_model.objects.get_or_create(
        name=NIGHTLY_TASK, defaults={"task": "indicators.classification_nightly", "crontab": schedule, "enabled": True})


NIGHTLY_TASK = "Ночной пересчёт классификации"
