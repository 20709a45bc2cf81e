from django.db import models


class IndexKind(models.TextChoices):
    OIP = "oip", "ОИП"
    ISBS = "isbs", "ИСБШ"


class IndexSource(models.TextChoices):
    IMPORTED = "imported", "опубликованный (импорт)"
    COMPUTED = "computed", "рассчитанный порталом"
