"""MkDocs hooks of the docs site (mkdocs.yml's ``hooks:``).

The Architecture page shows the repository's ARCHITECTURE.md, the one description of the design,
kept beside the code: when that file exists, it replaces the page's own text (the layers as the
module docstrings give them), so that the site never holds a second copy that drifts. Links in it
to files outside ``docs/`` (source files) become plain code text, which the site cannot link.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

PAGE = "explanation/architecture.md"
SOURCE = "ARCHITECTURE.md"

# [text](target) whose target is a relative path (not a URL, not an anchor of the same page)
_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z]+:|#)([^)\s]+)\)")


def architecture(root: Path, docs: Path) -> str | None:
    """ARCHITECTURE.md's text for the Architecture page, or None when the repository has none."""
    source = root / SOURCE
    if not source.is_file():
        return None

    def relink(found: re.Match[str]) -> str:
        text, target = found.group(1), found.group(2)
        path, _, anchor = target.partition("#")
        resolved = (root / path).resolve()
        if resolved.is_relative_to(docs.resolve()) and resolved.suffix == ".md":
            # A page of the site: linked from the Architecture page's own folder.
            relative = Path("..") / resolved.relative_to(docs.resolve())
            return f"[{text}]({relative.as_posix()}{'#' + anchor if anchor else ''})"
        return text if text.startswith("`") else f"`{text}`"

    return _LINK.sub(relink, source.read_text())


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    docs = Path(config["docs_dir"])
    found = architecture(Path(config["config_file_path"]).parent, docs)
    return markdown if found is None else found
