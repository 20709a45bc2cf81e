from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "Специалист управления образования"
    PRINCIPAL = "principal", "Директор ОО"
    CURATOR = "curator", "Куратор"
