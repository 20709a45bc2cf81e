from django.db import models


class SchoolKind(models.TextChoices):
    SOSH = "sosh", "СОШ"
    OOSH = "oosh", "ООШ"
    NOSH = "nosh", "НОШ"
    LYCEUM = "lyceum", "Лицей"
    GYMNASIUM = "gymnasium", "Гимназия"
    EDU_CENTER = "edu_center", "Центр образования"
    EVENING = "evening", "Вечерняя (сменная) школа"
    BRANCH = "branch", "Филиал"
    OTHER = "other", "Другое"


class Locality(models.TextChoices):
    URBAN = "urban", "Городская"
    RURAL = "rural", "Сельская"


# Typology flags of Tutaev Table 2 («Типологизация школ по ИСБШ»): field name → Russian label.
TYPOLOGY_FLAGS = {
    "flag_deprived_rural": "Депривированная сельская школа",
    "flag_deprived_urban": "Депривированная городская школа",
    "flag_small_rural": "Сельская малокомплектная школа",
    "flag_limited_transport": "Ограниченная транспортная доступность",
    "flag_high_deviance": "Высокий уровень девиантности",
    "flag_low_staff_potential": "Низкий уровень кадрового потенциала",
}


class VisitFormat(models.TextChoices):
    ON_SITE = "on_site", "очный визит"
    REMOTE = "remote", "дистанционная встреча"
    SEMINAR = "seminar", "методический семинар"
    OTHER = "other", "иное"
