"""Render a router's intended configuration from ``templates/PLATFORM/`` (StrictUndefined)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from dzict.exceptions import TemplateError
from dzict.wan.intent import RouterIntent

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATES = REPO_ROOT / "templates"
#: The one entry template of each platform; it only includes feature partials.
ENTRY = {"frr": "frr/frr.conf.j2", "ios": "ios/ios.cfg.j2"}


def templates_dir(path: str | Path | None = None) -> Path:
    """The template folder: the argument, then ``DZICT_TEMPLATES``, then the repository's."""
    return Path(path or os.environ.get("DZICT_TEMPLATES") or DEFAULT_TEMPLATES)


@lru_cache(maxsize=8)
def _environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(intent: RouterIntent, templates: str | Path | None = None) -> str:
    """The configuration text of one router on its platform."""
    entry = ENTRY.get(intent.platform)
    if entry is None:
        known = ", ".join(sorted(ENTRY))
        raise TemplateError(
            f"{intent.name}: no template for platform {intent.platform!r} ({known})"
        )
    folder = templates_dir(templates).resolve()
    try:
        template = _environment(folder).get_template(entry)
        return template.render(intent.context())
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{intent.name}: template {exc.name} not found in {folder}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{intent.name}: {entry}: {exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or entry}:{exc.lineno}: {exc.message}") from exc
