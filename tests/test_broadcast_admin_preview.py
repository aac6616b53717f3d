"""The phone preview renders WhatsApp's formatting as the citizen's phone does, and never the page's raw HTML."""

from wagtail_whatsapp.formatting import whatsapp_to_html


def test_bold_italic_strikethrough_monospace():
    html = whatsapp_to_html("*Strada chiusa* _da lunedì_ ~martedì~ ```ZTL```")
    assert html == "<strong>Strada chiusa</strong> <em>da lunedì</em> <s>martedì</s> <code>ZTL</code>"


def test_links_are_clickable_and_keep_underscores_and_asterisks():
    html = whatsapp_to_html("Leggi: https://comune.example/avvisi/via_roma_*chiusa*/. Grazie")
    assert (
        '<a href="https://comune.example/avvisi/via_roma_*chiusa*/" target="_blank" rel="noopener noreferrer">'
        "https://comune.example/avvisi/via_roma_*chiusa*/</a>. Grazie"
    ) in html


def test_markers_inside_words_or_with_spaces_stay_as_typed():
    assert whatsapp_to_html("2*3*4 nome_file_lungo * non grassetto *") == "2*3*4 nome_file_lungo * non grassetto *"


def test_html_is_escaped_and_line_breaks_kept():
    html = whatsapp_to_html('<script>alert("x")</script>\n*<b>titolo</b>*')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.endswith("<br><strong>&lt;b&gt;titolo&lt;/b&gt;</strong>")


def test_a_link_cannot_break_out_of_its_attribute():
    html = whatsapp_to_html('https://x.example/a"onmouseover="alert(1)')
    assert 'onmouseover="' not in html
