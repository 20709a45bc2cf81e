from django.db import models


class IndexKind(models.TextChoices):
    OIP = "oip", "ОИП"
    ISBS = "isbs", "ИСБШ"


class IndexSource(models.TextChoices):
    IMPORTED = "imported", "опубликованный (импорт)"
    COMPUTED = "computed", "рассчитанный порталом"


class Assessment(models.TextChoices):
    VPR = "vpr", "ВПР"
    OGE = "oge", "ОГЭ"
    EGE = "ege", "ЕГЭ"


class UploadKind(models.TextChoices):
    AUTO = "auto", "определить автоматически"
    VPR_FIS_OKO = "vpr_fis_oko", "ВПР: индивидуальные результаты ФИС ОКО / протокол"
    EGE_REGIONAL = "ege_regional", "ЕГЭ: региональная форма по школам"
    TEMPLATE_VPR = "template_vpr", "Шаблон портала: ВПР по школам"
    TEMPLATE_OGE = "template_oge", "Шаблон портала: ОГЭ по школам"
    TEMPLATE_EGE = "template_ege", "Шаблон портала: ЕГЭ по школам"
    PASSPORT = "passport", "Шаблон портала: контингент и социальный паспорт"


class UploadStatus(models.TextChoices):
    RECEIVED = "received", "получен"
    VALIDATED = "validated", "проверен, ждёт подтверждения"
    IMPORTED = "imported", "загружен"
    REJECTED = "rejected", "отклонён"


class ResultSource(models.TextChoices):
    DERIVED = "derived", "рассчитан по участникам"
    IMPORTED = "imported", "загружен агрегатом"


class MethodologyPreset(models.TextChoices):
    YAROSLAVL = "yaroslavl", "Ярославская область (ОИП и ИСБШ)"
    ROSOBRNADZOR_RISK = "rosobrnadzor_risk", "Рособрнадзор: индикатор риска"
    FIOKO_BOTTOM = "fioko_bottom", "ФИОКО: нижняя доля по «2»"


class RunTrigger(models.TextChoices):
    MANUAL = "manual", "вручную"
    IMPORT = "import", "загрузка данных"
    INDEX_EDIT = "index_edit", "изменение индексов"
    METHODOLOGY = "methodology", "изменение методики"
    NIGHTLY = "nightly", "ночной пересчёт"
    COMMAND = "command", "команда classify"


class RunStatus(models.TextChoices):
    PENDING = "pending", "в очереди"
    RUNNING = "running", "идёт расчёт"
    DONE = "done", "готов"
    FAILED = "failed", "ошибка"
