"""``POST /legacy/``: the upload endpoint twine, uv and poetry speak.

The view only parses HTTP (basic auth, multipart) and maps errors to responses; everything else
is ``services.upload_distribution``.
"""

from __future__ import annotations

import base64
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stockade.audit.services import Actor, actor_for_token, anonymous_actor
from stockade.names.services import held_notice
from stockade.tokens.exceptions import TokenError
from stockade.tokens.models import ApiToken
from stockade.tokens.services import authenticate_token
from stockade.upload.exceptions import (
    AuthenticationError,
    FileTooLargeError,
    InvalidRequestError,
    PermissionDeniedError,
    UploadError,
)
from stockade.upload.pipeline import UploadRequest
from stockade.upload.services import record_upload_refusal, upload_distribution

logger = logging.getLogger(__name__)

TOKEN_USERNAME = "__token__"  # noqa: S105 - the fixed username, not a secret


@csrf_exempt
@require_POST
def legacy_upload(request: HttpRequest) -> HttpResponse:
    actor: Actor = anonymous_actor(request)
    upload: UploadRequest | None = None
    try:
        token = _authenticate(request)
        actor = actor_for_token(token, request)
        upload = _parse_upload(request)
        outcome = upload_distribution(actor=actor, token=token, request=upload)
    except UploadError as e:
        logger.info("Upload refused: %s", e.reason)
        if isinstance(e, AuthenticationError | PermissionDeniedError):
            record_upload_refusal(actor=actor, error=e, upload=upload)
        _discard_unread_body(request)
        return refusal_response(e)
    body = "OK" if outcome.created else "OK (file already exists, unchanged)"
    # A new name held for review (stockade.names): stored, but not published yet.
    notice = held_notice(outcome.file.release.project)
    return HttpResponse(f"{body}\n{notice}" if notice else body, content_type="text/plain")


def refusal_response(error: UploadError) -> HttpResponse:
    """A 4xx whose reason phrase and body both carry the message (twine prints the phrase)."""
    response = HttpResponse(
        error.message + "\n",
        status=error.status,
        content_type="text/plain; charset=utf-8",
        reason=_reason_phrase(error.message),
    )
    if error.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Stockade upload"'
    return response


def _reason_phrase(message: str) -> str:
    # The status line allows only one line of printable ISO-8859-1 text; messages may quote
    # user input holding control characters (terminal escapes) or characters beyond Latin-1.
    flat = " ".join(message.split())
    printable = "".join(c if c.isprintable() else "?" for c in flat)
    return printable.encode("latin-1", "replace").decode("latin-1")[:500]


def _authenticate(request: HttpRequest) -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise AuthenticationError(
            "Authentication required: upload with username __token__ and an API token "
            "as the password."
        )
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError as e:  # bad base64, a non-ASCII header, or credentials not in UTF-8
        raise AuthenticationError("The Authorization header is malformed.") from e
    if username != TOKEN_USERNAME:
        raise AuthenticationError(
            "Uploading with a username and password is not supported; use an API token: "
            "username __token__, password the token (create one with `stockade token create`)."
        )
    try:
        return authenticate_token(password)
    except TokenError as e:
        raise AuthenticationError(str(e)) from e


def _parse_upload(request: HttpRequest) -> UploadRequest:
    declared = _declared_length(request)
    if declared > settings.STOCKADE_MAX_FILE_SIZE + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise FileTooLargeError(
            f"The request is {declared} bytes; files may be at most "
            f"{settings.STOCKADE_MAX_FILE_SIZE} bytes."
        )
    try:
        fields = {key: request.POST.getlist(key) for key in request.POST}
        content = request.FILES.get("content")
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent) as e:
        raise InvalidRequestError(f"The upload form could not be read: {e}") from e
    except RequestDataTooBig as e:
        raise FileTooLargeError("The form fields are too large.") from e
    if content is None:
        raise InvalidRequestError(
            "No file was sent: the form needs a 'content' file field (upload with twine or uv)."
        )
    return UploadRequest(
        fields=fields,
        content=content.file,
        filename=content.name or "",
        size=content.size or 0,
        # Stored with the file; PostgreSQL text cannot hold NUL.
        user_agent=request.headers.get("User-Agent", "").replace("\x00", ""),
    )


# A refusal sent before the body was read leaves the rest of the body in the connection, and
# the server then drops it; a client reusing the connection sees a broken pipe instead of the
# message. Reading a small remainder keeps the connection usable; a large one is not worth it.
_MAX_BODY_TO_DISCARD = 16 * 1024 * 1024


def _discard_unread_body(request: HttpRequest) -> None:
    if getattr(request, "_read_started", True):
        return
    try:
        remaining = _declared_length(request)
    except InvalidRequestError:
        return
    if remaining > _MAX_BODY_TO_DISCARD:
        return
    try:
        while remaining > 0 and (chunk := request.read(min(remaining, 64 * 1024))):
            remaining -= len(chunk)
    except OSError:
        logger.info("Client went away before its refused upload was read")


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.headers.get("Content-Length") or 0), 0)
    except ValueError as e:
        raise InvalidRequestError("The Content-Length header is not a number.") from e
