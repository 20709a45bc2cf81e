from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator

from .choices import Locality, SchoolKind
from .models import Municipality, School


class SchoolFilterForm(forms.Form):
    q = forms.CharField(label="Поиск", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "наименование или логин ФИС ОКО"}))
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=Municipality.objects.all(),
                                          required=False, empty_label="все")
    kind = forms.ChoiceField(label="Тип ОО", choices=[("", "все"), *SchoolKind.choices], required=False)
    locality = forms.ChoiceField(label="Местность", choices=[("", "все"), *Locality.choices], required=False)
    status = forms.ChoiceField(label="Статус", required=False, initial="active",
                               choices=[("active", "действующие"), ("inactive", "закрытые"), ("all", "все")])


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["municipality", "name", "short_name", "fis_oko_login", "inn", "kind", "locality",
                  "is_small", "has_senior_grades", "address", "is_active"]
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the register may hold schools whose type or locality the sources do not give; new entries must
        for name in ("kind", "locality"):
            self.fields[name].required = True


def validate_upload_size(upload) -> None:
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"Файл занимает {_size(upload.size)}, допускается не больше {_size(limit)}: разделите его на части "
            f"или удалите лишние листы."
        )


def _size(size: int) -> str:
    if size >= 1048576:
        return f"{size / 1048576:.1f} МБ".replace(".", ",").replace(",0 ", " ")
    return f"{max(1, round(size / 1024))} КБ"


class RegisterImportForm(forms.Form):
    file = forms.FileField(
        label="Файл реестра (.xlsx)",
        validators=[FileExtensionValidator(["xlsx"], "Нужен файл Excel с расширением .xlsx."), validate_upload_size],
    )
    create_municipalities = forms.BooleanField(
        label="Добавить в реестр муниципалитеты, которых в нём ещё нет", required=False)
    dry_run = forms.BooleanField(label="Только проверить, ничего не сохранять", required=False)
