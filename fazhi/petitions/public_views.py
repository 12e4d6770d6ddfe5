"""网上信访 on 警快办: a citizen (phone-code account) submits a petition and follows its notices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.clock import SHANGHAI
from fazhi.core.errors import FazhiError
from fazhi.org.models import Unit, UnitKind
from fazhi.petitions import petitions as ops
from fazhi.petitions.models import Petition
from fazhi.services.citizens import CitizenRequest, citizen_required

TEXT = {"class": "form-control"}


class OnlinePetitionForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("向哪个单位反映"),
        queryset=Unit.objects.filter(
            is_active=True,
            kind__in=[UnitKind.STATION, UnitKind.DISTRICT_BUREAU, UnitKind.CITY_BUREAU],
        ).order_by("path"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    petitioner_name = forms.CharField(
        label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    petitioner_id_number = forms.CharField(
        label=_("身份证号"), max_length=18, widget=forms.TextInput(attrs=TEXT)
    )
    petitioner_address = forms.CharField(
        label=_("住址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    matter = forms.CharField(
        label=_("反映的事项"), widget=forms.Textarea(attrs={**TEXT, "rows": 4})
    )
    claims = forms.CharField(
        label=_("您的诉求（每行一项）"), widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )


@citizen_required
def submit(request: CitizenRequest) -> HttpResponse:
    citizen = request.citizen
    refusal = None
    if request.method == "POST":
        form = OnlinePetitionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            now = timezone.now()
            new = ops.NewPetition(
                unit=data["unit"],
                channel="online",
                received_on=now.astimezone(SHANGHAI).date(),
                petitioner_name=data["petitioner_name"],
                petitioner_id_number=data["petitioner_id_number"],
                petitioner_phone=citizen.phone,
                petitioner_address=data.get("petitioner_address") or "",
                matter=data["matter"],
                claims=tuple(line for line in data["claims"].splitlines() if line.strip()),
            )
            try:
                ops.submit_online(new, citizen=citizen, at=now)
            except FazhiError as exc:
                if exc.field and exc.field in form.fields:
                    form.add_error(exc.field, str(exc))
                else:
                    refusal = str(exc)
            else:
                return redirect("jkb:petitions:mine")
    else:
        initial: dict[str, Any] = {
            "petitioner_name": citizen.name,
            "petitioner_id_number": citizen.id_number,
        }
        form = OnlinePetitionForm(initial=initial)
    return render(request, "petitions/public/new.html", {"form": form, "refusal": refusal})


@citizen_required
def mine(request: CitizenRequest) -> HttpResponse:
    rows = (
        Petition.objects.filter(citizen=request.citizen)
        .select_related("unit")
        .prefetch_related("notices")
        .order_by("-received_at")
    )
    return render(request, "petitions/public/mine.html", {"petitions": rows})
