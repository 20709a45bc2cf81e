from django import forms
from django.core.validators import FileExtensionValidator

from schools.forms import validate_upload_size
from schools.models import AcademicYear, Municipality, School

from .choices import UploadKind
from .models import Subject


def year_choices():
    years = list(AcademicYear.objects.order_by("-start_year").values_list("start_year", flat=True))
    current = max(years) if years else 2024
    starts = sorted(set(years) | set(range(current - 4, current + 1)), reverse=True)
    return [("", "как указано в файле"), *((str(y), f"{y}/{y + 1}") for y in starts)]


class ResultUploadForm(forms.Form):
    file = forms.FileField(label="Файл результатов (.xlsx)", validators=[
        FileExtensionValidator(["xlsx"], "Нужен файл Excel с расширением .xlsx."), validate_upload_size])
    kind = forms.ChoiceField(label="Формат", choices=UploadKind.choices, initial=UploadKind.AUTO)
    academic_year = forms.ChoiceField(label="Учебный год", required=False)
    school = forms.ModelChoiceField(label="Школа", queryset=School.objects.none(), required=False,
                                    help_text="Для файла одной школы без логина ОО (например, протокол ВПР).")
    subject = forms.ModelChoiceField(label="Предмет (если в файле не указан)", queryset=Subject.objects.all(),
                                     required=False)
    grade = forms.IntegerField(label="Класс (если в файле не указан)", min_value=4, max_value=11, required=False)
    create_missing_schools = forms.BooleanField(
        label="Добавить в реестр школы, которых в нём нет", required=False,
        help_text="Иначе строки с незнакомыми школами не загружаются и перечисляются в сводке.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["academic_year"].choices = year_choices()
        if user.is_principal:
            self.fields["school"].queryset = School.objects.filter(pk=user.school_id)
            self.fields["school"].initial = user.school_id
            self.fields["school"].disabled = True
            self.fields["school"].required = True
            del self.fields["create_missing_schools"]
        else:
            self.fields["school"].queryset = School.objects.visible_to(user).select_related("municipality")

    def clean_academic_year(self):
        value = self.cleaned_data.get("academic_year")
        if not value:
            return None
        year, _ = AcademicYear.objects.get_or_create(start_year=int(value))
        return year

    def upload_options(self) -> dict:
        data = self.cleaned_data
        return {"subject": data["subject"].name if data.get("subject") else "", "grade": data.get("grade"),
                "create_missing_schools": bool(data.get("create_missing_schools"))}


class UploadConfirmForm(forms.Form):
    confirm_warnings = forms.BooleanField(label="Я проверил(а) предупреждения: данные верны", required=False)


class IndexListImportForm(forms.Form):
    """A published ОИП/ИСБШ list (Tables 1–3 of the regional identification) for one academic year."""

    file = forms.FileField(label="Список ОИП / ИСБШ (.xlsx)", validators=[
        FileExtensionValidator(["xlsx"], "Нужен файл Excel с расширением .xlsx."), validate_upload_size])
    academic_year = forms.TypedChoiceField(label="Учебный год", coerce=int)
    municipality = forms.ModelChoiceField(
        label="Муниципалитет", queryset=Municipality.objects.all(), required=False, empty_label="все",
        help_text="Школы ищутся только в нём; без него наименование школы должно быть единственным в реестре.")
    dry_run = forms.BooleanField(label="Только проверить, ничего не сохранять", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = year_choices()[1:]
