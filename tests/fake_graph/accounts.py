"""The WhatsApp Business Account the fake pretends to serve: its templates and its phone number's fields."""


def default_templates():
    return [
        {
            "name": "notizia_comune",
            "language": "it",
            "status": "APPROVED",
            "category": "MARKETING",
            "parameter_format": "NAMED",
            "id": "1387372356726668",
            "components": [
                {"type": "HEADER", "format": "IMAGE"},
                {"type": "BODY", "text": "{{titolo}}\n{{sommario}}"},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Leggi", "url": "https://esempio.it/{{1}}"}]},
            ],
        },
        {
            "name": "allerta_meteo",
            "language": "it",
            "status": "APPROVED",
            "category": "UTILITY",
            "parameter_format": "POSITIONAL",
            "id": "1304694804498707",
            "components": [{"type": "BODY", "text": "Allerta: {{1}}"}],
        },
        {
            "name": "evento",
            "language": "it",
            "status": "PENDING",
            "category": "MARKETING",
            "parameter_format": "POSITIONAL",
            "id": "1137051647947973",
            "components": [{"type": "BODY", "text": "{{1}}"}],
        },
    ]


def default_phone_number_fields():
    return {
        "display_phone_number": "+39 0123 456789",
        "throughput": {"level": "STANDARD"},
        "whatsapp_business_manager_messaging_limit": "TIER_250",
    }
