from django import forms
from django.core.validators import FileExtensionValidator

from schools.forms import validate_upload_size
from schools.models import Municipality, RiskFactor, School

from .models import Activity, ReportStatus, Roadmap, RoadmapStatus, Section, TargetScope
from .schedule import parse_schedule
from .services import EVIDENCE_MAX_FILES, EVIDENCE_TYPES


def _check_header(form, data: dict) -> dict:
    """The roadmap's school belongs to its municipality; the period does not end before it starts."""
    school, municipality = data.get("school"), data.get("municipality")
    if school and municipality and school.municipality_id != municipality.pk:
        form.add_error("school", "Школа относится к другому муниципалитету.")
    start, end = data.get("period_start"), data.get("period_end")
    if start and end and end < start:
        form.add_error("period_end", "Год окончания периода не может быть раньше года начала.")
    return data


class RoadmapForm(forms.ModelForm):
    class Meta:
        model = Roadmap
        fields = ["title", "municipality", "school", "period_start", "period_end", "order_number", "order_date",
                  "status"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2}), "order_date": forms.DateInput(attrs={"type": "date"},
                                                                                              format="%Y-%m-%d")}
        help_texts = {"school": "Оставьте пустым для муниципальной дорожной карты."}

    def clean(self):
        return _check_header(self, super().clean())


class SectionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Section
        fields = ["number", "title"]
        widgets = {"number": forms.TextInput(attrs={"size": 4}), "title": forms.TextInput()}


class ActivityForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Activity
        fields = ["number", "title", "deadline_text", "responsible_text", "expected_result", "target_scope",
                  "target_schools", "risk_factors"]
        widgets = {
            "number": forms.TextInput(attrs={"size": 5}),
            "title": forms.Textarea(attrs={"rows": 3}),
            "deadline_text": forms.Textarea(attrs={"rows": 2}),
            "responsible_text": forms.Textarea(attrs={"rows": 2}),
            "expected_result": forms.Textarea(attrs={"rows": 2}),
            "target_scope": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "target_schools": forms.SelectMultiple(attrs={"size": 5, "class": "form-select form-select-sm"}),
            "risk_factors": forms.SelectMultiple(attrs={"size": 5, "class": "form-select form-select-sm"}),
        }
        labels = {"deadline_text": "Сроки исполнения", "responsible_text": "Ответственные"}
        error_messages = {"title": {"required": "Введите наименование мероприятия."}}

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_schools"].queryset = School.objects.filter(municipality=municipality)
        self.fields["risk_factors"].queryset = RiskFactor.objects.all()
        self.fields["target_schools"].required = False
        self.fields["risk_factors"].required = False

    def clean_title(self):
        title = " ".join((self.cleaned_data.get("title") or "").split(" ")).strip()
        if not title:
            raise forms.ValidationError("Введите наименование мероприятия.")
        return title

    def clean(self):
        data = super().clean()
        if data.get("target_scope") == TargetScope.LISTED and not data.get("target_schools"):
            self.add_error("target_schools", "Выберите хотя бы одну школу или другой охват.")
        return data

    @property
    def schedule_hint(self) -> str:
        text = self.data.get(self.add_prefix("deadline_text")) if self.is_bound else self.initial.get(
            "deadline_text", getattr(self.instance, "deadline_text", ""))
        return parse_schedule(text or "").describe()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=ReportStatus.choices)
    comment = forms.CharField(label="Что сделано", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=5000)
    files = MultipleFileField(
        label="Подтверждающие документы", required=False,
        help_text=f"До {EVIDENCE_MAX_FILES} файлов по 20 МБ: " + ", ".join(sorted(EVIDENCE_TYPES)) + ".")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RoadmapImportForm(forms.Form):
    file = forms.FileField(
        label="Файл дорожной карты (.docx или .xlsx)",
        validators=[FileExtensionValidator(["docx", "xlsx"], "Загрузите документ Word (.docx) или книгу Excel "
                                           "(.xlsx)."), validate_upload_size])
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=Municipality.objects.all())
    school = forms.ModelChoiceField(label="Школа (для школьной дорожной карты)", queryset=School.objects.all(),
                                    required=False)
    title = forms.CharField(label="Наименование", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    period_start = forms.IntegerField(label="Период: с года", min_value=2000, max_value=2100)
    period_end = forms.IntegerField(label="Период: по год", min_value=2000, max_value=2100)
    order_number = forms.CharField(label="Номер приказа", max_length=50, required=False)
    order_date = forms.DateField(label="Дата приказа", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="Статус", choices=RoadmapStatus.choices, initial=RoadmapStatus.DRAFT)
    target_scope = forms.ChoiceField(label="Мероприятия адресованы", choices=TargetScope.choices, required=False,
                                     help_text="Для всех мероприятий; потом можно поменять у каждого.")

    def clean(self):
        return _check_header(self, super().clean())
