"""Send templated email: one subject template, one plain-text body template per message.

Templates live at ``<app>/templates/<name>/subject.txt`` and ``body.txt``. Mail goes through
Django's configured backend (``STOCKADE_EMAIL_URL``). A failure to send is logged and does not
undo the action that caused the mail (the action is already committed), except where the caller
asks for ``fail_silently=False``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_templated_email(
    *, to: Iterable[str], template: str, context: dict[str, Any], fail_silently: bool = True
) -> bool:
    """Render ``template``/subject.txt and body.txt with ``context`` and send; return success."""
    recipients = [address for address in to if address]
    if not recipients:
        return False
    full_context = {"site_name": settings.SITE_NAME, "base_url": settings.BASE_URL, **context}
    subject = " ".join(render_to_string(f"{template}/subject.txt", full_context).split())
    body = render_to_string(f"{template}/body.txt", full_context)
    message = EmailMessage(subject=subject, body=body, to=recipients)
    try:
        message.send()
    except Exception:
        logger.exception("Could not send %s email", template)
        if not fail_silently:
            raise
        return False
    return True
