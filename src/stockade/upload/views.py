"""``POST /legacy/``: the upload endpoint twine, uv and poetry speak.

The view only parses HTTP (basic auth, multipart) and maps errors to responses; everything else
is ``services.upload_distribution``.
"""

from __future__ import annotations

import base64
import binascii
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stockade.tokens.exceptions import TokenError
from stockade.tokens.models import ApiToken
from stockade.tokens.services import authenticate_token
from stockade.upload.exceptions import (
    AuthenticationError,
    FileTooLargeError,
    InvalidRequestError,
    UploadError,
)
from stockade.upload.pipeline import UploadRequest
from stockade.upload.services import upload_distribution

logger = logging.getLogger(__name__)

TOKEN_USERNAME = "__token__"  # noqa: S105 - the fixed username, not a secret


@csrf_exempt
@require_POST
def legacy_upload(request: HttpRequest) -> HttpResponse:
    try:
        token = _authenticate(request)
        upload = _parse_upload(request)
        outcome = upload_distribution(token=token, request=upload)
    except UploadError as e:
        logger.info("Upload refused: %s", e.reason)
        return refusal_response(e)
    return HttpResponse(
        "OK" if outcome.created else "OK (file already exists, unchanged)",
        content_type="text/plain",
    )


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
    # The status line allows only one line of ISO-8859-1 text.
    flat = " ".join(message.split())
    return flat.encode("latin-1", "replace").decode("latin-1")[:500]


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
    except (binascii.Error, UnicodeDecodeError) as e:
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
    declared = int(request.headers.get("Content-Length") or 0)
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
        user_agent=request.headers.get("User-Agent", ""),
    )
