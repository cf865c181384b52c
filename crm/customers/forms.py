"""Parse the customer create and edit pages (types only, never save).

The services validate and write (crm.customers.services); these forms turn the posted strings
into the keyword arguments the services take, with the model's Chinese verbose names as labels.
Contact mobile and e-mail are checked here with the same validators the contact service uses,
so that their messages land on the right field (the service reports them as contacts[0]).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.boundfield import BoundField

from crm.contacts.models import Contact
from crm.core.validators import validate_cn_mobile, validate_email_address, validate_uscc

from . import custom_fields
from .choices import CustomFieldType, Level
from .models import Customer, CustomFieldDefinition, Industry, Region, Source

TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
TAG_MAX = 30
# Archive fields typed on both pages; industry, region and custom have their own inputs.
ARCHIVE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "uscc",
    "level",
    "source",
    "status",
    "intent",
    "need_keywords",
    "founded_on",
    "headcount",
    "main_products",
    "annual_revenue",
    "first_cooperation_on",
    "last_cooperation_on",
    "cooperation_products",
    "preferred_channel",
    "service_preference",
    "focus",
    "flag_complaint",
    "flag_contract_expiring",
    "flag_churn_risk",
    "flag_to_verify",
    "flag_long_inactive",
    "notes",
)
DATE_FIELDS = ("founded_on", "first_cooperation_on", "last_cooperation_on")
# Derived from contracts and orders (crm.pipeline) once a customer has any: not typed then.
DERIVED_FIELDS = ("first_cooperation_on", "last_cooperation_on")
CUSTOM_PREFIX = "cf_"
AUTO_LEVEL = "按年度合同金额评定(默认 C类)"
BOOLEAN_CHOICES = [("", "未填写"), ("true", "是"), ("false", "否")]


def split_tags(text: str) -> list[str]:
    """'重点客户, 华东区域、VIP' -> ['重点客户', '华东区域', 'VIP'] (order kept, no repeats)."""
    return list(dict.fromkeys(t.strip() for t in TAG_SEPARATORS.split(text or "") if t.strip()))


class CrmBoundField(BoundField):
    """Tabler classes on every widget, `is-invalid` on fields with errors, and the feedback
    element (`<name>-feedback`) as the description screen readers announce."""

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> Any:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if isinstance(widget, forms.CheckboxInput):
            base = "form-check-input"
        elif isinstance(widget, forms.Select):
            base = "form-select"
        else:
            base = "form-control"
        classes = [base, str(attrs.get("class", ""))]
        if self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(c for c in classes if c)
        attrs["aria-describedby"] = f"{self.html_name}-feedback"
        return attrs


class RegionField(forms.CharField):
    """A GB/T 2260 code typed or chosen in a select; resolved to a Region in the form's clean."""

    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, max_length=6)


def _blank_label(field: forms.Field, label: str = "请选择") -> None:
    choices = list(getattr(field, "choices", []))
    if choices and choices[0][0] == "":
        field.choices = [("", label), *choices[1:]]  # type: ignore[attr-defined]


def _custom_field(definition: CustomFieldDefinition) -> forms.Field:
    common: dict[str, Any] = {"label": definition.label, "required": definition.required}
    kind = definition.type
    if kind == CustomFieldType.BOOLEAN:
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if kind == CustomFieldType.CHOICE:
        options = [("", "请选择"), *[(c, c) for c in definition.choices]]
        return forms.ChoiceField(choices=options, **common)
    attrs: dict[str, str] = {}
    if kind == CustomFieldType.DATE:
        attrs = {"type": "date"}
    elif kind in (CustomFieldType.INTEGER, CustomFieldType.DECIMAL):
        attrs = {"inputmode": "decimal" if kind == CustomFieldType.DECIMAL else "numeric"}
    return forms.CharField(max_length=500, widget=forms.TextInput(attrs=attrs), **common)


class CustomerForm(forms.Form):
    """The archive fields of DOMAIN §1 shared by the create and edit pages."""

    bound_field_class = CrmBoundField
    use_required_attribute = False  # the server answers in Chinese, not the browser

    def __init__(
        self,
        *args: Any,
        definitions: Iterable[CustomFieldDefinition] = (),
        source_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions)
        self.regions: dict[str, Region] = {}
        widgets: dict[str, Any] = {
            name: forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}) for name in DATE_FIELDS
        }
        widgets["notes"] = forms.Textarea(attrs={"rows": 4})
        widgets["annual_revenue"] = forms.TextInput(attrs={"inputmode": "decimal"})
        fields = forms.fields_for_model(Customer, fields=ARCHIVE_FIELDS, widgets=widgets)
        self.fields.update(fields)  # type: ignore[arg-type]
        self.fields["industry"] = forms.ModelChoiceField(
            Industry.objects.all(), label="所属行业", required=False
        )
        self.fields["province"] = RegionField("省份")
        self.fields["city"] = RegionField("城市")
        self.fields["tags"] = forms.CharField(
            label="标签", required=False, max_length=500, help_text="多个标签用逗号或顿号分隔"
        )
        # spaces and dashes may be typed: the service folds them before its 18-character check
        self.fields["uscc"] = forms.CharField(
            label=Customer._meta.get_field("uscc").verbose_name,
            required=False,
            max_length=40,
            help_text="企业客户填写,18位",
        )
        # an inactive source stays valid only on the customer that already has it
        source = self.fields["source"]
        source.queryset = Source.objects.filter(Q(is_active=True) | Q(pk=source_id))  # type: ignore[attr-defined]
        options = [(s.pk, s.name) for s in source.queryset]  # type: ignore[attr-defined]
        source.choices = [("", "请选择"), *options]  # type: ignore[attr-defined]
        for name in ("intent", "headcount", "preferred_channel"):
            _blank_label(self.fields[name])
        for definition in self.definitions:
            self.fields[CUSTOM_PREFIX + definition.key] = _custom_field(definition)

    # --- parsing ------------------------------------------------------------------------------

    def clean_uscc(self) -> str:
        """Checked here too, so that its message shows with the other fields' (same validator)."""
        value = self.cleaned_data.get("uscc", "")
        return validate_uscc(value) if value.strip() else ""

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data.get("tags", ""))
        long = [t for t in tags if len(t) > TAG_MAX]
        if long:
            raise ValidationError(f"每个标签最多 {TAG_MAX} 个字:{'、'.join(long)}")
        return tags

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._resolve_regions(data)
        data["region"] = self._region(data, "province", "city")
        data["custom"] = self._custom(data)
        return data

    def _region_pairs(self) -> Sequence[tuple[str, str]]:
        return [("province", "city")]

    def _resolve_regions(self, data: dict[str, Any]) -> None:
        codes = {data.get(n) for pair in self._region_pairs() for n in pair} - {None, ""}
        if codes:
            self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}

    def _region(self, data: dict[str, Any], province_name: str, city_name: str) -> Region | None:
        province = self.regions.get(data.get(province_name) or "")
        city = self.regions.get(data.get(city_name) or "")
        if data.get(province_name) and (province is None or province.parent_id):
            self.add_error(province_name, "请选择列表中的省份")
            return None
        if data.get(city_name) and (city is None or not city.parent_id):
            self.add_error(city_name, "请选择列表中的城市")
            return None
        if city and province and city.parent_id != province.code:
            self.add_error(city_name, "所选城市不属于所选省份")
            return None
        return city or province

    def _custom(self, data: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for definition in self.definitions:
            name = CUSTOM_PREFIX + definition.key
            raw = data.get(name)
            try:
                value = custom_fields.parse_value(definition, raw)
            except ValidationError as exc:
                self.add_error(name, exc.messages)
                continue
            values[definition.key] = value
        return values

    def service_fields(self) -> dict[str, Any]:
        """The archive fields as update_customer / create_customer take them."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in ARCHIVE_FIELDS if name in self.fields}
        fields["industry"] = data.get("industry")
        fields["region"] = data.get("region")
        # every active key, None included: a value the user cleared is removed by the service
        fields["custom"] = dict(data.get("custom", {}))
        return fields

    def custom_field_names(self) -> list[str]:
        return [CUSTOM_PREFIX + d.key for d in self.definitions]


class CustomerCreateForm(CustomerForm):
    """Archive fields plus the first (primary) contact and the head-office address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        level.required = False
        level.choices = [("", AUTO_LEVEL), *Level.choices]  # type: ignore[attr-defined]
        level.initial = ""  # not the model default: a level picked here is a manual level
        contact = forms.fields_for_model(Contact, fields=["name", "title", "mobile", "email"])
        for name, field in contact.items():
            field.required = False
            self.fields[f"contact_{name}"] = field  # type: ignore[assignment]
        self.fields["contact_mobile"] = forms.CharField(label="手机", required=False, max_length=30)
        self.fields["contact_email"] = forms.CharField(label="邮箱", required=False, max_length=120)
        self.fields["hq_province"] = RegionField("省份")
        self.fields["hq_city"] = RegionField("城市")
        self.fields["hq_detail"] = forms.CharField(label="详细地址", required=False, max_length=200)

    def clean_contact_mobile(self) -> str:
        value = self.cleaned_data.get("contact_mobile", "")
        return validate_cn_mobile(value) if value.strip() else ""

    def clean_contact_email(self) -> str:
        value = self.cleaned_data.get("contact_email", "")
        return validate_email_address(value) if value.strip() else ""

    def _region_pairs(self) -> Sequence[tuple[str, str]]:
        return [("province", "city"), ("hq_province", "hq_city")]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["hq_region"] = self._region(data, "hq_province", "hq_city")
        contact_given = any(data.get(f"contact_{n}") for n in ("title", "mobile", "email"))
        if contact_given and not data.get("contact_name"):
            self.add_error("contact_name", "请填写联系人姓名")
        if (data.get("hq_province") or data.get("hq_city")) and not data.get("hq_detail"):
            self.add_error("hq_detail", "请填写详细地址")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for services.create_customer."""
        data = self.cleaned_data
        fields = self.service_fields()
        if not data.get("level"):
            fields.pop("level")  # the service's default; not a manual choice
        contacts = []
        if data.get("contact_name"):
            contact = {
                n: data.get(f"contact_{n}", "") for n in ("name", "title", "mobile", "email")
            }
            contacts.append({**contact, "is_primary": True})
        addresses = []
        if data.get("hq_detail"):
            # a head office typed without its own province/city is in the customer's region
            region = data.get("hq_region") or data.get("region")
            addresses.append({"kind": "hq", "region": region, "detail": data["hq_detail"]})
        return {**fields, "tags": data["tags"], "contacts": contacts, "addresses": addresses}


class CustomerEditForm(CustomerForm):
    """Archive fields with the optimistic-locking pair: the version and the last event seen."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    seen = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    # the values the page started from (signed), the base of the merge after a lost race
    original = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, derived_cooperation: bool = False, **kwargs: Any) -> None:
        """`derived_cooperation`: the customer has contracts or orders, which set its first and
        last cooperation dates; they are shown, not offered as inputs."""
        super().__init__(*args, **kwargs)
        self.derived_cooperation = derived_cooperation
        if derived_cooperation:
            for name in DERIVED_FIELDS:
                del self.fields[name]

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for services.update_customer (after the customer)."""
        data = self.cleaned_data
        return {
            **self.service_fields(),
            "tags": data["tags"],
            "expected_version": data["version"],
        }


def as_posted(values: dict[str, Any]) -> dict[str, str]:
    """Form values as a browser posts them (checkbox "on" or absent, dates ISO, None empty)."""
    posted = {}
    for key, value in values.items():
        if isinstance(value, bool):
            value = "on" if value else ""
        elif value is None:
            value = ""
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        posted[key] = str(value)
    return posted


def initial_for(customer: Customer, tag_names: Iterable[str]) -> dict[str, Any]:
    """The edit page's starting values from the stored customer."""
    initial: dict[str, Any] = {name: getattr(customer, name) for name in ARCHIVE_FIELDS}
    initial["source"] = customer.source_id
    initial["industry"] = customer.industry_id
    region = customer.region
    if region is not None:
        initial["province"] = region.parent_id or region.code
        initial["city"] = region.code if region.parent_id else ""
    initial["tags"] = "、".join(tag_names)
    for key, value in (customer.custom or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[CUSTOM_PREFIX + key] = value
    return initial
