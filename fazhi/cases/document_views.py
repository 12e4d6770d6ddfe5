"""Generate and download a case's legal documents (文书): thin views over fazhi.cases.documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from fazhi.cases import documents
from fazhi.cases.models import Case, CaseDocument, ProceduralEvent
from fazhi.core import bounds
from fazhi.core.errors import FazhiError, PermissionDeniedError


class HtmxHttpRequest(HttpRequest):
    """A request that went through django_htmx's HtmxMiddleware (``request.htmx``)."""

    htmx: HtmxDetails


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _back(request: HttpRequest) -> str:
    """Return the page the request came from, if it is ours, else the home page."""
    target = request.POST.get("next") or request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


def _redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:  # htmx follows HX-Redirect with a full page load (a download for a file)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


@login_required
@require_POST
def generate(request: HtmxHttpRequest, number: str, kind: str) -> HttpResponse:
    """Generate one document of KIND for the case, then send the browser to its download.

    POST ``event`` (optional) names the event's id, e.g. one of several 传唤.
    """
    case = get_object_or_404(Case.objects.visible_to(request.user), number=number)
    if kind not in documents.KINDS:
        raise Http404
    event = None
    event_id = bounds.optional_identifier(request.POST.get("event"), field="event")
    if event_id is not None:
        event = get_object_or_404(ProceduralEvent.objects.filter(case=case), pk=event_id)
    try:
        document = documents.generate_document(
            case,
            kind,
            actor=request.user,
            at=timezone.now(),
            event=event,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except PermissionDeniedError as exc:
        return HttpResponse(str(exc), status=403)
    except FazhiError as exc:
        messages.error(request, str(exc))
        return _redirect(request, _back(request))
    messages.success(
        request,
        _("已生成%(document)s %(number)s。")
        % {
            "document": documents.KINDS[kind].name,
            "number": document.number,
        },
    )
    return _redirect(request, reverse("case_documents:download", args=[case.number, document.pk]))


@never_cache
@login_required
@require_GET
def download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """Serve one stored document as an attachment, within scope only, and audit it."""
    case = get_object_or_404(Case.objects.visible_to(request.user), number=number)
    document = get_object_or_404(CaseDocument.objects.filter(case=case), pk=pk)
    documents.record_download(
        document, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    name = f"{documents.KINDS[document.kind].name}-{document.number}.docx"
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=name, content_type=DOCX
    )
