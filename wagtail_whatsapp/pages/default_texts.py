"""The Italian default texts of the public pages, written for a generic town and filled from its settings.

Italian on purpose (like the default replies in the settings): citizens read them whatever language the admin runs
in. They cover every promise of the service (see docs/pages.md) and are a starting point: editors change them like
any other page, and ``whatsapp_setup`` never rewrites a page that exists.
"""

from django.utils.html import escape, format_html

from wagtail_whatsapp.pages.join_links import for_settings

MODERATION_RULES = [
    "promuovono o sostengono attività illegali;",
    "usano un linguaggio offensivo o volgare;",
    "diffamano o minacciano;",
    "diffondono senza autorizzazione dati personali di altre persone;",
    "attaccano persone sul piano personale o offendono gruppi o minoranze etniche, politiche o religiose;",
    "sono spam o contengono link a siti esterni non pertinenti;",
    "promuovono prodotti, servizi od organizzazioni politiche;",
    "violano il diritto d'autore o usano marchi registrati senza autorizzazione;",
    "raccolgono fondi.",
]


def contact_phrases(settings):
    """The town's other channels as HTML fragments, e.g. ``telefono 035 000 0000``, ``e-mail <a ...>``."""
    phrases = []
    if settings.contact_phone:
        phrases.append(format_html("telefono {}", settings.contact_phone))
    if settings.contact_email:
        phrases.append(format_html('e-mail <a href="mailto:{0}">{0}</a>', settings.contact_email))
    if settings.contact_pec:
        phrases.append(format_html('PEC <a href="mailto:{0}">{0}</a>', settings.contact_pec))
    if settings.contact_page_url:
        link = format_html('<a href="{}">Contatti</a>', settings.contact_page_url)
        phrases.append(format_html("la pagina {} del sito del Comune", link))
    return phrases


def contacts_sentence(settings):
    phrases = contact_phrases(settings)
    if not phrases:
        return "i recapiti pubblicati sul sito del Comune"
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " oppure " + phrases[-1]


def values(settings, html=True):
    """The settings' values for the texts: escaped for the rich-text bodies, raw for the plain-text summaries."""
    links = for_settings(settings)
    quote = escape if html else str
    return {
        "town": quote(settings.get_town_name()),
        "address": quote(settings.town_address),
        "service": quote(links.service_name),
        "number": quote(links.display_number or "del servizio"),
        "join": quote(links.subscribe_keyword),
        "leave": quote(links.unsubscribe_keyword),
        "contacts": contacts_sentence(settings),
        "dpo": quote(settings.dpo_contact),
        # What retention (subscribers/retention.py) actually does with these settings.
        "inbox_days": max(1, settings.inbox_retention_days),
        "delivery_days": max(1, settings.delivery_retention_days),
    }


def policy_page(settings):
    v, raw = values(settings), values(settings, html=False)
    rules = "".join(f"<li>{rule}</li>" for rule in MODERATION_RULES)
    summary = (
        f"«{raw['service']}» è il servizio gratuito con cui il Comune invia su WhatsApp notizie di pubblica utilità. "
        "La comunicazione va solo dal Comune ai cittadini: il numero non risponde a messaggi e chiamate. "
        f"Ti iscrivi scrivendo {raw['join']} e ti cancelli quando vuoi scrivendo {raw['leave']}."
    )
    body = f"""
<h2>A che cosa serve</h2>
<p>Con «{v["service"]}» il Comune invia agli iscritti notizie di pubblica utilità, scadenze comunali, modifiche
alla viabilità e al traffico, iniziative ed eventi.</p>
<h2>Come iscriversi</h2>
<ol>
<li>Salva il numero {v["number"]} nella rubrica del telefono, per esempio con il nome «{v["service"]}». Non serve per
ricevere i messaggi, ma ti aiuta a riconoscere subito chi scrive.</li>
<li>Invia a questo numero, con WhatsApp, il messaggio <b>{v["join"]}</b>.</li>
</ol>
<p>L'iscrizione è confermata da un messaggio di benvenuto che invita a leggere queste regole e l'informativa sulla
privacy, pubblicate sul sito del Comune. Iscrivendosi, il cittadino le accetta.</p>
<h2>Un servizio a senso unico</h2>
<p>La comunicazione va solo dal Comune al cittadino. Il numero non riceve chiamate e non risponde a messaggi o
segnalazioni. Per contattare il Comune restano validi i canali di sempre: {v["contacts"]}.</p>
<h2>Nessuno vede il tuo numero</h2>
<p>I messaggi sono inviati in modalità broadcast, a ciascun iscritto separatamente: nessun iscritto può vedere il
numero degli altri.</p>
<h2>Come cancellarsi</h2>
<p>Per smettere di ricevere i messaggi invia in qualsiasi momento la parola <b>{v["leave"]}</b> allo stesso numero.
La cancellazione è immediata ed è confermata da un messaggio.</p>
<h2>Che cosa ricevi</h2>
<p>Messaggi di testo, talvolta accompagnati da immagini e brevi video.</p>
<h2>Uso dei numeri di telefono</h2>
<p>I numeri degli iscritti sono usati soltanto per questo servizio. Il servizio è gratuito. I dettagli sono
nell'informativa sulla privacy.</p>
<h2>Regole per i messaggi degli utenti</h2>
<p>I messaggi inviati dagli utenti vengono cancellati e, se necessario, segnalati alla piattaforma quando:</p>
<ul>{rules}</ul>
<h2>Sanzioni</h2>
<p>L'utente che non rispetta queste regole viene bloccato. Nei casi più gravi il contenuto e il suo autore sono
segnalati all'autorità giudiziaria.</p>
"""
    return {"title": "Regole del servizio WhatsApp", "slug": "whatsapp-regole", "summary": summary, "body": body}


def privacy_page(settings):
    v, raw = values(settings), values(settings, html=False)
    controller = v["town"] + (f", {v['address']}" if v["address"] else "")
    dpo = v["dpo"] or (
        "Il Comune ha designato un Responsabile della protezione dei dati (DPO), i cui recapiti sono pubblicati sul "
        "sito del Comune."
    )
    summary = (
        f"Il titolare, {raw['town']}, usa il tuo numero di telefono e il nome del tuo profilo WhatsApp solo per "
        f"inviarti i messaggi del servizio «{raw['service']}», con il tuo consenso, fino a quando non ti cancelli "
        f"scrivendo {raw['leave']}."
    )
    body = f"""
<h2>Titolare del trattamento</h2>
<p>{controller}. Recapiti: {v["contacts"]}.</p>
<h2>Responsabile della protezione dei dati (DPO)</h2>
<p>{dpo}</p>
<h2>Quali dati trattiamo</h2>
<ul>
<li>il numero di telefono con cui ti iscrivi e, se WhatsApp lo comunica, il tuo identificativo utente WhatsApp (per
chi usa un nome utente al posto del numero);</li>
<li>il nome del tuo profilo WhatsApp, come WhatsApp lo comunica;</li>
<li>data, ora e testo dei messaggi di iscrizione e di cancellazione, con la versione delle regole del servizio e di
questa informativa in vigore in quel momento, per poter dimostrare il consenso;</li>
<li>gli altri messaggi che scrivi al numero del servizio, solo per controllarne il rispetto delle regole;</li>
<li>lo stato di consegna e di lettura dei messaggi che ti inviamo.</li>
</ul>
<h2>Perché li trattiamo</h2>
<p>Solo per inviarti le notizie del servizio: informazioni di pubblica utilità, scadenze comunali, modifiche alla
viabilità e al traffico, iniziative ed eventi. I dati non sono usati per altri scopi, né per pubblicità o
profilazione.</p>
<h2>Base giuridica</h2>
<p>Il tuo consenso, che dai inviando {v["join"]} (art. 6, paragrafo 1, lettera a, del Regolamento UE 2016/679,
GDPR). Puoi revocarlo in qualsiasi momento scrivendo {v["leave"]}; la revoca non rende illecito quanto fatto prima.</p>
<h2>Per quanto tempo</h2>
<ul>
<li>Il numero e il nome del profilo: fino alla tua cancellazione dal servizio; dopo, solo per ricordare che ti sei
cancellato, finché non chiedi di cancellare i tuoi dati.</li>
<li>I messaggi che scrivi al numero del servizio: {v["inbox_days"]} giorni, poi sono cancellati.</li>
<li>Lo stato di consegna dei messaggi che ti inviamo: {v["delivery_days"]} giorni legato al tuo numero; dopo resta
solo come dato statistico anonimo.</li>
<li>Le registrazioni dell'iscrizione e della cancellazione: per il tempo necessario a dimostrare il consenso.</li>
</ul>
<p>Se chiedi la cancellazione dei tuoi dati, il Comune cancella il numero, l'identificativo WhatsApp, il nome, i
messaggi e lo stato di consegna legato a te; le registrazioni del consenso restano senza alcun dato che ti
identifichi. Restano soltanto, in forma cifrata e non leggibile (un codice ricavato dal numero con una chiave
segreta, da cui il numero non si può ricostruire):</p>
<ul>
<li>se ti eri cancellato scrivendo {v["leave"]}, il ricordo della tua scelta, perché nessuna vecchia lista possa
iscriverti di nuovo senza il tuo consenso; se un giorno scrivi di nuovo {v["join"]}, la tua nuova iscrizione lo
sostituisce;</li>
<li>se il numero era stato bloccato per violazione delle regole, quanto serve a mantenere il blocco.</li>
</ul>
<h2>Chi riceve i dati</h2>
<p>Il personale del Comune autorizzato a gestire il servizio e i fornitori tecnici del Comune (per esempio chi ospita
il sito), nominati responsabili del trattamento. I messaggi passano per la piattaforma WhatsApp Business di Meta
Platforms Ireland Limited, che li recapita per conto del Comune. I dati non sono diffusi né ceduti ad altri.</p>
<h2>Il ruolo di WhatsApp</h2>
<p>Per ricevere i messaggi usi l'app WhatsApp, fornita da WhatsApp Ireland Limited: all'uso dell'app si applicano i
termini di servizio e l'informativa sulla privacy di WhatsApp, che il Comune non controlla.</p>
<h2>I tuoi diritti</h2>
<p>Puoi chiedere l'accesso ai tuoi dati, la loro rettifica o cancellazione, la limitazione del trattamento, la
portabilità dei dati, e opporti al trattamento (articoli 15-22 del GDPR). Puoi revocare il consenso in qualsiasi
momento. Hai anche il diritto di presentare reclamo al Garante per la protezione dei dati personali
(<a href="https://www.garanteprivacy.it">www.garanteprivacy.it</a>).</p>
<h2>Come esercitarli</h2>
<p>Per smettere di ricevere i messaggi scrivi {v["leave"]} al numero del servizio. Per tutti gli altri diritti scrivi
al Comune ({v["contacts"]}) o al DPO. Il numero WhatsApp del servizio non risponde ai messaggi: non usarlo per queste
richieste.</p>
"""
    return {
        "title": "Informativa sulla privacy del servizio WhatsApp",
        "slug": "whatsapp-privacy",
        "summary": summary,
        "body": body,
    }


def subscribe_page(settings):
    v = values(settings)
    return {
        "title": f"{settings.get_service_name()} su WhatsApp",
        "slug": "whatsapp-iscrizione",
        "intro": f"<p>Con «{v['service']}» il Comune ti invia gratis su WhatsApp notizie di pubblica utilità, "
        "scadenze, modifiche alla viabilità, iniziative ed eventi.</p>",
        "body": "<p>I messaggi sono inviati in modalità broadcast: nessuno vede il tuo numero. Possono contenere "
        "testo, immagini e brevi video.</p>"
        "<p>Il numero non riceve chiamate e non risponde a messaggi o segnalazioni. Per contattare il Comune usa i "
        f"canali di sempre: {v['contacts']}.</p>",
    }


def archive_page(settings):
    v = values(settings)
    return {
        "title": "Archivio dei messaggi WhatsApp",
        "slug": "whatsapp-archivio",
        "intro": f"<p>Tutti i messaggi inviati da «{v['service']}», dal più recente. Puoi seguirli anche senza "
        "WhatsApp, con il feed RSS.</p>",
    }
