"""The installation snippets of README.md and docs/, and the text edits they describe for a `wagtail start` project.

Each snippet lives once, in docs/snippets/; the Markdown shows it in a fenced block preceded by
``<!-- snippet: docs/snippets/NAME -->``. tests/test_docs_snippets.py keeps every such block equal to its file, and
tests/test_new_project.py applies the files to a brand-new project exactly as the docs tell a developer to.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNIPPETS = REPO / "docs" / "snippets"
# A marker, then a fenced block (indented as much as the marker, e.g. inside a numbered list).
MARKED_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)<!-- snippet: (?P<path>\S+) -->\n(?P=indent)```\w*\n(?P<body>.*?)^(?P=indent)```$", re.S | re.M
)
FENCE_OPENING = re.compile(r"^([ ]*)```(\w*)$", re.M)


def marked_blocks(markdown):
    """(snippet path, block text with the fence's indentation removed) for every marked block of ``markdown``."""
    for match in MARKED_BLOCK.finditer(markdown.read_text()):
        indent = len(match["indent"])
        body = "".join(line[indent:] if line.strip() else line.lstrip(" ") for line in match["body"].splitlines(True))
        yield match["path"], body


def snippet(name):
    return (SNIPPETS / name).read_text()


def apply_settings(project_settings):
    """Step 2 of docs/installation.md: the block goes at the end of the project's settings (settings/base.py)."""
    with open(project_settings, "a") as settings:
        settings.write("\n\n" + snippet("settings.py"))


def apply_urls(urls_module):
    """Step 3: the snippet's marked line becomes the first entry of the first ``urlpatterns = [`` list, well before
    Wagtail's catch-all; the import the snippet shows must be there already, as it says."""
    lines = snippet("urls.py").splitlines(True)
    added = [line for line in lines if "# ← add this line" in line]
    assert len(added) == 1 and lines[lines.index(added[0]) - 1] == "urlpatterns = [\n"
    text = urls_module.read_text()
    assert lines[0].split("  #")[0] in text, "the snippet's import is not in the project's urls.py"
    assert text.count("urlpatterns = [\n") == 1, "the project's urls.py does not look like the documented one"
    urls_module.write_text(text.replace("urlpatterns = [\n", "urlpatterns = [\n" + added[0], 1))


def apply_news_page(app_folder):
    """Step 4: the page model at the end of the app's models.py, its template in the app's templates folder."""
    with open(app_folder / "models.py", "a") as models:
        models.write("\n\n" + snippet("news_page.py"))
    template = app_folder / "templates" / app_folder.name / "news_page.html"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(snippet("news_page.html"))
