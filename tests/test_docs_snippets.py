"""The installation snippets in README.md and docs/ are the files tests/test_new_project.py applies to a new site."""

import re

import pytest

from tests.doc_snippets import REPO, SNIPPETS, marked_blocks

INSTALLATION_PAGES = [REPO / "README.md", REPO / "docs" / "installation.md"]


@pytest.mark.parametrize("markdown", INSTALLATION_PAGES, ids=lambda path: str(path.relative_to(REPO)))
def test_every_python_block_of_the_installation_is_a_tested_snippet(markdown):
    text = markdown.read_text()
    python_blocks = len(re.findall(r"^[ ]*```python$", text, re.M))
    blocks = list(marked_blocks(markdown))
    assert python_blocks and len([path for path, _ in blocks if path.endswith(".py")]) == python_blocks
    for path, body in blocks:
        assert (REPO / path).read_text() == body, f"{markdown.name}: the block marked {path} differs from the file"


def test_the_installation_shows_every_snippet():
    shown = {path for markdown in INSTALLATION_PAGES for path, _ in marked_blocks(markdown)}
    assert shown == {str(path.relative_to(REPO)) for path in SNIPPETS.iterdir()}


@pytest.mark.parametrize(
    "markdown", [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: str(p.relative_to(REPO))
)
def test_docs_read_the_environment_with_defaults(markdown):
    # os.environ["X"] makes every manage.py command crash with KeyError when X is unset; with .get the plugin's
    # system check names the empty setting instead.
    assert 'os.environ["' not in markdown.read_text()
