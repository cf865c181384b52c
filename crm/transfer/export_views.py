"""Downloads: the customer list export, the printable PDFs and vCards (thin adapters over
crm.transfer.export, .pdf and .vcard)."""

from __future__ import annotations

import re
import tempfile
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.core.actor import Actor
from crm.customers.filters import CustomerFilter

from . import export, pdf, vcard

SPOOL_BYTES = 8 * 1024 * 1024  # an export past this many bytes goes on to a temporary file
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
TRUE = {"1", "true", "on", "yes"}


def safe_name(name: str) -> str:
    """A file name any system accepts: no path separators, quotes or control characters."""
    return _UNSAFE.sub("_", name).strip(" .")[:120] or "download"


def content_disposition(name: str, fallback: str, *, inline: bool = False) -> str:
    """RFC 6266 / RFC 5987: an ASCII `fallback` name for old clients, then the UTF-8 name
    (`attachment; filename="customers_20261202.xlsx"; filename*=UTF-8''%E5%AE%A2…`)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe_name(name), safe='')}"


def error_messages(exc: ValidationError) -> list[str]:
    """A ValidationError's messages, each filter's named by its label: 合作阶段: …"""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    labels = {name: str(f.label or name) for name, f in CustomerFilter.base_filters.items()}
    labels["format"] = _("格式")
    out = []
    for field, errors in exc.message_dict.items():
        label = labels.get(field, "" if field == "__all__" else field)
        out += [f"{label}: {message}" if label else message for message in errors]
    return out


def _actor(request: HttpRequest) -> Actor:
    return Actor(request.user, "web")  # type: ignore[arg-type]


def export_response(
    actor: Actor, params: Any, file_format: str, include_personal: bool
) -> FileResponse:
    """Run the export into a spooled file and answer it as an attachment (ValidationError for
    bad input, before anything is written)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    try:
        export.export_customers(
            actor,
            params=params,
            file_format=file_format,
            out=spool,  # type: ignore[arg-type]
            include_personal=include_personal,
        )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = FileResponse(spool, content_type=export.CONTENT_TYPES[file_format])
    day = timezone.localdate()
    response["Content-Disposition"] = content_disposition(
        export.file_name(_("客户"), file_format, day),
        export.file_name("customers", file_format, day),
    )
    return response


@login_required
@require_GET
def export_customers(request: HttpRequest) -> HttpResponseBase:
    """/exports/customers/?format=xlsx&<the list's filters and sort>"""
    file_format = request.GET.get("format", "xlsx")
    include_personal = request.GET.get("include_personal", "") in TRUE
    try:
        return export_response(_actor(request), request.GET, file_format, include_personal)
    except ValidationError as exc:
        context = {"code": 400, "errors": error_messages(exc)}
        return render(request, "transfer/export_error.html", context, status=400)


def _pdf(printout: pdf.Printout, fallback: str) -> HttpResponse:
    response = HttpResponse(pdf.render_pdf(printout.html), content_type="application/pdf")
    day = f"{timezone.localdate():%Y%m%d}"
    response["Content-Disposition"] = content_disposition(
        f"{printout.title}_{day}.pdf", f"{fallback}_{day}.pdf", inline=True
    )
    return response


@login_required
@require_GET
def print_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """/print/customers/<id>.pdf (?full=1: contacts in full where the viewer may see them)."""
    full = request.GET.get("full", "") in TRUE
    return _pdf(pdf.archive(_actor(request), pk, full=full), f"customer_{pk}")


@login_required
@require_GET
def print_record(request: HttpRequest, pk: int) -> HttpResponse:
    """/print/records/<id>.pdf"""
    return _pdf(pdf.record_card(_actor(request), pk), f"record_{pk}")


def _vcf(text: str, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type=vcard.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(f"{name}.vcf", f"{fallback}.vcf")
    return response


@login_required
@require_GET
def contact_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    """/contacts/<id>.vcf"""
    text, contact = vcard.contact_vcard(_actor(request), pk)
    return _vcf(text, f"{contact.name}_{contact.customer.name}", f"contact_{pk}")


@login_required
@require_GET
def customer_vcards(request: HttpRequest, pk: int) -> HttpResponse:
    """/customers/<id>/contacts.vcf"""
    text, customer = vcard.customer_vcards(_actor(request), pk)
    return _vcf(text, f"{customer.name}_{_('联系人')}", f"customer_{pk}_contacts")
