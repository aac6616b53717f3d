"""Default values of the WhatsApp site settings: keywords, the replies citizens receive, moderation word lists.

The texts are Italian on purpose: they are what citizens read, whatever language the admin runs in. Each town edits
them in Settings → WhatsApp.
"""

DEFAULT_SUBSCRIBE_KEYWORDS = "ISCRIVIMI\nISCRIVITI\nISCRIZIONE"
DEFAULT_UNSUBSCRIBE_KEYWORDS = "CANCELLAMI\nCANCELLA\nDISISCRIVIMI\nSTOP"

DEFAULT_WELCOME = (
    "Benvenuto nel servizio WhatsApp di {service_name}!\n"
    "Riceverai notizie e avvisi del Comune. Questo numero non risponde ai messaggi.\n"
    "Iscrivendoti accetti le regole del servizio: {policy_url}\n"
    "e l'informativa privacy: {privacy_url}\n"
    "Per cancellarti scrivi {unsubscribe_keyword}."
)
# Double opt-in: the question sent with a "SÌ" button to whoever writes ISCRIVIMI (when the town turned it on).
DEFAULT_CONFIRMATION_QUESTION = (
    "Rispondi SÌ per confermare l'iscrizione al servizio WhatsApp di {service_name}.\n"
    "Se non vuoi iscriverti, ignora questo messaggio: la richiesta sarà cancellata tra 24 ore."
)
DEFAULT_GOODBYE = (
    "Sei stato cancellato dal servizio WhatsApp di {service_name}. Non riceverai più messaggi.\n"
    "Per iscriverti di nuovo scrivi {subscribe_keyword}."
)
DEFAULT_NOT_SUBSCRIBED = (
    "Non risultavi iscritto al servizio WhatsApp di {service_name}: non c'è niente da cancellare e non riceverai "
    "messaggi.\nPer iscriverti scrivi {subscribe_keyword}."
)
DEFAULT_ALREADY_SUBSCRIBED = (
    "Sei già iscritto al servizio WhatsApp di {service_name}. Per cancellarti scrivi {unsubscribe_keyword}."
)
# Moderation word lists.
# One word per line; a trailing * matches any ending ("stronz*"). Matching ignores case, accents and l33t spelling.
DEFAULT_OFFENSIVE_WORDS = "\n".join(
    [
        "cazz*",
        "vaffanculo",
        "fanculo",
        "stronz*",
        "merd*",
        "puttan*",
        "troia",
        "bastard*",
        "coglion*",
        "minchi*",
        "porco dio",
        "porcodio",
        "dio cane",
        "diocane",
        "idiota",
        "idioti",
        "imbecill*",
        "deficient*",
        "cretin*",
        "ti ammazzo",
        "vi ammazzo",
        "ammazzo",
        "ti uccido",
        "vi uccido",
        "ti spacco",
        "la pagherai",
        "te la faccio pagare",
        "truffator*",
        "delinquent*",
        "negr*",
        "froci*",
        "zingar*",
        "terron*",
        "ebreo di merda",
        "islamici di merda",
        "comunisti di merda",
        "fascisti di merda",
    ]
)
DEFAULT_PROMOTION_WORDS = "\n".join(
    [
        "vendo",
        "vendesi",
        "compro oro",
        "offerta imperdibile",
        "offerta speciale",
        "sconto",
        "sconti",
        "promo",
        "promozione",
        "coupon",
        "guadagna*",
        "guadagno facile",
        "lavora da casa",
        "investi ora",
        "investimento garantito",
        "bitcoin",
        "crypto",
        "trading",
        "iscriviti al mio canale",
        "seguimi",
        "visita il mio",
        "prezzo speciale",
        "spedizione gratuita",
        "votate",
        "vota per",
        "votami",
        "il nostro partito",
        "tessera del partito",
        "iscriviti al partito",
        "film gratis",
        "streaming gratis",
        "iptv",
        "pezzotto",
        "replica originale",
        "imitazione",
        "tarocc*",
        "cocaina",
        "armi in vendita",
        "documenti falsi",
    ]
)
DEFAULT_FUNDRAISING_WORDS = "\n".join(
    [
        "raccolta fondi",
        "dona ora",
        "donate",
        "fate una donazione",
        "gofundme",
        "colletta",
        "postepay",
        "paypal",
        "contributo volontario",
        "sostienici",
        "crowdfunding",
    ]
)

DEFAULT_NOTICE = (
    "Questo numero non risponde ai messaggi. Per ricevere le notizie del Comune scrivi {subscribe_keyword}, per non "
    "riceverle più scrivi {unsubscribe_keyword}.\nPer contattare il Comune usa i recapiti sul sito: {site_url}"
)
