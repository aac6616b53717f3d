"""The recommended Italian template family, as ``whatsapp_create_templates`` submits it to Meta and the sandbox
approves it: one template per kind of message, with the examples Meta's review requires.

Bodies use named parameters that the plugin fills without any mapping (``testo``, ``servizio``, ``titolo``, ``data``,
``ora``, ``luogo``: see ``template_mapping.SOURCE_ALIASES``). Meta refuses a body that starts or ends with a
parameter, so each has a few words of its own around the page's text.
"""

from wagtail_whatsapp.backends.base import TemplateInfo
from wagtail_whatsapp.outbound.template_mapping import PLACEHOLDER

LANGUAGE = "it"
CATEGORIES = ("UTILITY", "MARKETING")
# Example values shown to Meta's reviewers (they never reach a citizen).
EXAMPLES = {
    "servizio": "Esempio Informa",
    "testo": "*Chiusura di via Roma* — Da lunedì a venerdì via Roma resterà chiusa per lavori all'acquedotto.",
    "titolo": "Mercatino di Natale in piazza",
    "data": "sabato 12 dicembre 2026",
    "ora": "9:00 – 19:00",
    "luogo": "Piazza Municipio",
}
NEWS_BODY = "Novità da {{servizio}}:\n\n{{testo}}\n\nGrazie per l'attenzione."
DOCUMENT_BODY = "Avviso da {{servizio}}, il documento è allegato:\n\n{{testo}}\n\nGrazie per l'attenzione."
EVENT_BODY = (
    "Appuntamento con {{servizio}}: *{{titolo}}*\n\n🗓 {{data}}, {{ora}}\n📍 {{luogo}}\n\n{{testo}}\n\nVi aspettiamo!"
)
# name → (kind, header format or "", body)
FAMILY = {
    "comune_avviso": ("text", "", NEWS_BODY),
    "comune_notizia_immagine": ("image", "IMAGE", NEWS_BODY),
    "comune_notizia_video": ("video", "VIDEO", NEWS_BODY),
    "comune_avviso_documento": ("document", "DOCUMENT", DOCUMENT_BODY),
    "comune_evento": ("event", "", EVENT_BODY),
}
EXAMPLE_MIME_TYPES = {"IMAGE": "image/jpeg", "VIDEO": "video/mp4", "DOCUMENT": "application/pdf"}


def recommended_family(site_url, *, category="MARKETING", unsubscribe_keyword="CANCELLAMI", header_handles=None):
    """The family as TemplateInfo, ready for ``backend.create_template``. ``header_handles`` maps a header format
    (IMAGE, VIDEO, DOCUMENT) to the handle of its uploaded example; media templates without one are left out."""
    site_url = site_url.rstrip("/")
    header_handles = header_handles or {}
    family = []
    for name, (_kind, header_format, body) in FAMILY.items():
        components = []
        if header_format:
            if not header_handles.get(header_format):
                continue
            components.append(
                {
                    "type": "HEADER",
                    "format": header_format,
                    "example": {"header_handle": [header_handles[header_format]]},
                }
            )
        names = list(dict.fromkeys(PLACEHOLDER.findall(body)))
        components += [
            {
                "type": "BODY",
                "text": body,
                "example": {"body_text_named_params": [{"param_name": n, "example": EXAMPLES[n]} for n in names]},
            },
            {"type": "FOOTER", "text": f"Per non ricevere più messaggi scrivi {unsubscribe_keyword}"[:60]},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "URL",
                        "text": "Leggi sul sito",
                        "url": site_url + "/{{1}}",
                        "example": [site_url + "/notizie/chiusura-via-roma/"],
                    }
                ],
            },
        ]
        family.append(
            TemplateInfo(
                name=name,
                language=LANGUAGE,
                status="",
                category=category,
                parameter_format="NAMED",
                components=components,
            )
        )
    return family
