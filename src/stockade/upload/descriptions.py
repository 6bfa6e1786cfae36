"""Render a release's long description with ``readme_renderer``, as PyPI does.

The result is sanitized HTML (readme_renderer cleans it with nh3), stored with the release so
that project pages never render user markup at request time.
"""

from __future__ import annotations

import io
from email.message import EmailMessage

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt

from stockade.upload.exceptions import InvalidDescriptionError


def render_description(text: str, content_type: str | None) -> str:
    """Return the description as safe HTML.

    Raises:
        InvalidDescriptionError: the renderer could not render it; carries its message.
    """
    if not text:
        return ""
    mime, params = _parse_content_type(content_type or "text/x-rst")
    if mime == "text/plain":
        return readme_renderer.txt.render(text)
    if mime == "text/markdown":
        variant = params.get("variant", "GFM")
        rendered = readme_renderer.markdown.render(text, variant=variant)
        if rendered is None:
            raise InvalidDescriptionError(
                f"The description could not be rendered as Markdown variant {variant!r}."
            )
        return rendered
    if mime == "text/x-rst":
        warnings = io.StringIO()
        rendered = readme_renderer.rst.render(text, stream=warnings)
        if rendered is None:
            detail = " ".join(warnings.getvalue().split())[:300]
            raise InvalidDescriptionError(
                "The description failed to render as reStructuredText: "
                f"{detail or 'invalid markup'}. Check it with `twine check`, or set "
                "long_description_content_type to text/markdown if it is Markdown."
            )
        return rendered
    raise InvalidDescriptionError(
        f"Unsupported description content type {mime!r}; use text/plain, text/x-rst or "
        "text/markdown."
    )


def _parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    message = EmailMessage()
    message["Content-Type"] = value
    return message.get_content_type(), {
        k: str(v) for k, v in message["Content-Type"].params.items()
    }
