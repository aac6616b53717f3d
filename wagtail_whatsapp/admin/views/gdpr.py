"""Data requests of one citizen, by number or WhatsApp user id (GDPR art. 15 export, art. 17 erasure). Only for
manage_subscribers. The same functions serve the ``whatsapp_gdpr`` command."""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.log_actions import log

from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.admin.forms import EraseForm, NumberForm
from wagtail_whatsapp.admin.views.query import query_id
from wagtail_whatsapp.models import Subscriber
from wagtail_whatsapp.numbers import mask_identity
from wagtail_whatsapp.subscribers import gdpr


@perms.required(perms.MANAGE_SUBSCRIBERS)
def data_request(request):
    action = request.POST.get("action")
    initial = {}
    subscriber_id = query_id(request, "subscriber")
    if subscriber_id is not None:
        subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
        if subscriber is not None:
            initial = {"site": subscriber.site_id, "number": subscriber.phone_number or subscriber.wa_user_id}
    export_form = NumberForm(request.POST if action == "export" else None, initial=initial, prefix="export")
    erase_form = EraseForm(request.POST if action == "erase" else None, initial=initial, prefix="erase")

    if action == "export" and export_form.is_valid():
        site, number = export_form.cleaned_data["site"], export_form.cleaned_data["number"]
        data = gdpr.export_number(site, number)
        # The audit log names the request by the masked number only: erasure must not have to hunt it down there.
        log(site, "wagtail_whatsapp.gdpr_export", user=request.user, data={"number": mask_identity(number)})
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{gdpr.export_filename(number)}"'
        response["Cache-Control"] = "no-store"
        return response

    if action == "erase" and erase_form.is_valid():
        site, number = erase_form.cleaned_data["site"], erase_form.cleaned_data["number"]
        result = gdpr.erase_number(site, number, user=request.user)
        messages.success(request, " ".join(result.summary()))
        return redirect("wagtail_whatsapp_admin:gdpr")

    return TemplateResponse(
        request,
        "wagtail_whatsapp/admin/gdpr.html",
        {"export_form": export_form, "erase_form": erase_form},
    )
