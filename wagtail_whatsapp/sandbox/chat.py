"""The sandbox chat: an admin page showing the sandbox outbox per number as a phone-like chat, where a developer can
type as the citizen. What they type goes through the real webhook view, signed, exactly like a message from Meta.

Only for users with manage_subscribers (it shows full numbers and writes as any of them), and only while the sandbox
backend is configured (anywhere else the page does not exist: 404).
"""

from django import forms
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.models import Site

from wagtail_whatsapp import conf
from wagtail_whatsapp import permissions as perms
from wagtail_whatsapp.ids import parse_id
from wagtail_whatsapp.models import SandboxMessage
from wagtail_whatsapp.numbers import InvalidNumber, normalise_number
from wagtail_whatsapp.outbound.recommended_family import FAMILY as RECOMMENDED_FAMILY
from wagtail_whatsapp.sandbox.backend import SANDBOX_TEMPLATE_NAME, sandbox_template
from wagtail_whatsapp.sandbox.simulate import simulate_button_reply, simulate_inbound_text


class CitizenMessageForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Citizen's number"),
        max_length=32,
        help_text=gettext_lazy("In international form, e.g. +39 333 123 4567."),
    )
    text = forms.CharField(
        label=gettext_lazy("Message"), max_length=4096, strip=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=Site.objects.order_by("hostname"), required=False, empty_label=None
    )

    def clean_number(self):
        try:
            return normalise_number(self.cleaned_data["number"])
        except InvalidNumber as exc:
            raise forms.ValidationError(_("This is not a valid phone number.")) from exc


def can_use(user):
    """The chat shows every number the sandbox wrote to, and lets its user write as any number: it is for those who
    may see full numbers and act on subscribers."""
    return perms.has(user, perms.MANAGE_SUBSCRIBERS)


def _refusal(request):
    if not conf.is_sandbox_backend():
        raise Http404
    if not can_use(request.user):
        return perms.forbidden(request)
    return None


def conversations():
    """One row per number that talked to the sandbox: the number, how many messages, the time of the last one."""
    return (
        SandboxMessage.objects.values("recipient")
        .annotate(count=Count("pk"), last_at=Max("created_at"))
        .order_by("-last_at")
    )


def _template_text(body):
    """What a template message reads like on the phone: the body of a template the sandbox approves, filled."""
    template = body.get("template") if isinstance(body.get("template"), dict) else {}
    values, button = {}, ""
    for component in template.get("components") or []:
        if not isinstance(component, dict):
            continue
        for index, parameter in enumerate(component.get("parameters") or []):
            if isinstance(parameter, dict) and parameter.get("type") == "text":
                if component.get("type") == "button":
                    button = str(parameter.get("text", ""))
                else:
                    values[str(parameter.get("parameter_name") or index + 1)] = str(parameter.get("text", ""))
    known = {name: body for name, (_kind, _header, body) in RECOMMENDED_FAMILY.items()}
    known[SANDBOX_TEMPLATE_NAME] = next(c["text"] for c in sandbox_template().components if c["type"] == "BODY")
    if template.get("name") in known:
        text = known[template["name"]]
        for name, value in values.items():
            text = text.replace("{{" + name + "}}", value)
    else:
        text = "\n".join(f"{name}: {value}" for name, value in values.items())
    label = _("Template %(name)s") % {"name": template.get("name", "?")}
    return f"[{label}]\n{text}" + (f"\n→ {button}" if button else "")


def reply_buttons(message):
    """``[(id, title)]`` of the reply buttons under a message the town sent, or of the rows of its list (none for any
    other message)."""
    body = message.body if isinstance(message.body, dict) else {}
    interactive = body.get("interactive") if isinstance(body.get("interactive"), dict) else {}
    action = interactive.get("action") if isinstance(interactive.get("action"), dict) else {}
    if message.direction != SandboxMessage.Direction.OUTGOING:
        return []
    if interactive.get("type") == "list":
        rows = [
            row
            for section in action.get("sections") or []
            if isinstance(section, dict)
            for row in section.get("rows") or []
        ]
        return [(str(row.get("id", "")), str(row.get("title", ""))) for row in rows if isinstance(row, dict)]
    return [
        (str(button["reply"].get("id", "")), str(button["reply"].get("title", "")))
        for button in action.get("buttons") or []
        if isinstance(button, dict) and isinstance(button.get("reply"), dict)
    ]


def display_text(message):
    body = message.body if isinstance(message.body, dict) else {}
    if message.message_type == "template":
        return _template_text(body)
    if message.message_type in ("image", "video", "document") and not message.text:
        return f"[{message.message_type}]"
    return message.text


def _tap(request):
    """The citizen taps a reply button under one of the town's messages: Meta's ``button_reply``, signed, through the
    real webhook."""
    question = SandboxMessage.objects.filter(
        pk=parse_id(request.POST.get("tap", "")), direction=SandboxMessage.Direction.OUTGOING
    ).first()
    buttons = dict(reply_buttons(question)) if question is not None else {}
    button_id = request.POST.get("button", "")
    if button_id not in buttons:
        messages.error(request, _("This button is no longer in the conversation."))
        return redirect("wagtail_whatsapp_admin:sandbox_chat")
    response = simulate_button_reply(question, button_id, buttons[button_id])
    if response.status_code != 200:
        messages.error(
            request,
            _("The webhook refused the message: %(status)s %(reason)s")
            % {"status": response.status_code, "reason": response.content.decode(errors="replace")},
        )
    return redirect(reverse("wagtail_whatsapp_admin:sandbox_chat") + "?" + urlencode({"number": question.recipient}))


def chat(request):
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    # No number holds a NUL byte, and PostgreSQL refuses a query with one (a 500).
    number = request.GET.get("number", "").replace("\x00", "")
    default_site = Site.objects.filter(is_default_site=True).first()
    if request.method == "POST" and "tap" in request.POST:
        return _tap(request)
    if request.method == "POST":
        form = CitizenMessageForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["number"]
            response, _wamid, _e164 = simulate_inbound_text(
                number, form.cleaned_data["text"], site=form.cleaned_data["site"]
            )
            if response.status_code != 200:
                messages.error(
                    request,
                    _("The webhook refused the message: %(status)s %(reason)s")
                    % {"status": response.status_code, "reason": response.content.decode(errors="replace")},
                )
            return redirect(reverse("wagtail_whatsapp_admin:sandbox_chat") + "?" + urlencode({"number": number}))
    else:
        form = CitizenMessageForm(initial={"number": number, "site": default_site})

    rows = list(conversations())
    if not number and rows:
        number = rows[0]["recipient"]
    chat_messages = SandboxMessage.objects.filter(recipient=number) if number else SandboxMessage.objects.none()
    chat_messages = [(message, display_text(message), reply_buttons(message)) for message in chat_messages]
    context = {
        "page_title": _("Sandbox chat"),
        "header_icon": "mobile-alt",
        "conversations": rows,
        "number": number,
        "chat_messages": chat_messages,
        "form": form,
        "show_site": Site.objects.count() > 1,
    }
    return TemplateResponse(request, "wagtail_whatsapp/sandbox/chat.html", context)
