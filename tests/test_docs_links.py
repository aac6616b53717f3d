"""The documentation holds together: every page is in the index, and no relative link or anchor leads nowhere."""

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def markdown_files():
    return [REPO / "README.md", REPO / "bench" / "README.md", *sorted(DOCS.glob("*.md"))]


def github_anchor(heading):
    # GitHub's slugs: lower case, punctuation dropped (hyphens and underscores kept), each space a hyphen.
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    return {github_anchor(heading) for heading in HEADING.findall(FENCE.sub("", path.read_text()))}


def repository_blob_url():
    """Where the repository shows its files: setup.cfg's Source URL, plus /blob/main/."""
    source = re.search(r"^\s*Source = (\S+)$", (REPO / "setup.cfg").read_text(), re.M)[1]
    return source.rstrip("/") + "/blob/main/"


def relative_links(path):
    """Links to files of the repository, as paths relative to ``path``: relative links, and absolute links into the
    repository (README.md uses those: it is the package index's long description, where relative links are dead)."""
    blob = repository_blob_url()
    for target in LINK.findall(FENCE.sub("", path.read_text())):
        if target.startswith(blob):
            yield os.path.relpath(REPO / target.removeprefix(blob), path.parent)
        elif not re.match(r"^[a-z]+:", target):
            yield target


def test_the_index_links_every_page_of_the_docs():
    linked = {target.split("#")[0] for target in relative_links(DOCS / "README.md")}
    missing = [page.name for page in DOCS.glob("*.md") if page.name != "README.md" and page.name not in linked]
    assert missing == []
    assert "docs/README.md" in {target.split("#")[0] for target in relative_links(REPO / "README.md")}


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_relative_links_and_anchors_resolve(path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        anchor_missing = anchor and destination.suffix == ".md" and anchor not in anchors(destination)
        if not destination.exists() or anchor_missing:
            broken.append(target)
    assert broken == []


def test_the_long_description_links_absolutely():
    # README.md is the long description on the package index, which resolves no relative link.
    targets = LINK.findall(FENCE.sub("", (REPO / "README.md").read_text()))
    relative = [target for target in targets if not re.match(r"^(https?:|#)", target)]
    assert targets and relative == []
    assert any(target.startswith(repository_blob_url()) for target in targets)
