"""A local index for pip and uv that passes on only what the signed metadata vouches for.

Routes: ``/simple/`` and ``/simple/NAME/`` (HTML, or JSON when the client accepts PEP 691's
``application/vnd.pypi.simple.v1+json``) and ``/packages/…`` (the files the pages link to: the
pages' links are relative, so they resolve to this proxy). Anything the metadata does not
vouch for is answered ``403`` with the attack named in the reason phrase (pip prints it), in the
body, and on standard error.
"""

from __future__ import annotations

import re
import shutil
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stockade_verify.errors import RefusedError, UnsignedTargetError
from stockade_verify.trust import VerifiedIndex

_JSON = "application/vnd.pypi.simple.v1+json"
_FILE_TYPES = {".whl": "application/zip", ".tar.gz": "application/gzip", ".metadata": "text/plain"}
_PACKAGE_PATH = re.compile(r"^packages/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/\\]+$")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wants_json(accept: str) -> bool:
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        if media.strip() == _JSON and "q=0" not in params.replace(" ", "").replace("q=0.", ""):
            return True
    return False


class ProxyHandler(BaseHTTPRequestHandler):
    server: ProxyServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, a keep-alive
    # client's delayed ACK would hold every response back ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            if path == "/simple" or path.startswith("/simple/"):
                self._simple(path, send_body)
            elif _PACKAGE_PATH.match(path.lstrip("/")):
                self._file(path.lstrip("/"), send_body)
            else:
                self._text(HTTPStatus.NOT_FOUND, "Not found", "Not found.\n", send_body)
        except UnsignedTargetError as err:
            self._text(HTTPStatus.NOT_FOUND, "Not found", f"{err}\n", send_body)
        except RefusedError as err:
            message = f"Refused by stockade-verify: {err}"
            sys.stderr.write(f"{message} [{self.path}]\n")
            sys.stderr.flush()
            reason = message.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")
            self._text(HTTPStatus.FORBIDDEN, reason[:900], message + "\n", send_body)

    def _simple(self, path: str, send_body: bool) -> None:
        parts = path.split("/")  # "", "simple", name?, ""?
        if path == "/simple" or (len(parts) == 3 and parts[2]):
            self._redirect(path + "/")
            return
        if len(parts) == 3:
            name = None
        elif len(parts) == 4 and parts[3] == "" and parts[2]:
            name = parts[2]
            if _normalize(name) != name:
                self._redirect(f"/simple/{_normalize(name)}/")
                return
        else:
            self._text(HTTPStatus.NOT_FOUND, "Not found", "Not found.\n", send_body)
            return
        wants_json = _wants_json(self.headers.get("Accept", ""))
        page = "index.json" if wants_json else "index.html"
        target = f"simple/{name}/{page}" if name else f"simple/{page}"
        body = self.server.index.fetch_page(target)
        content_type = _JSON if wants_json else "text/html; charset=utf-8"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _file(self, path: str, send_body: bool) -> None:
        handle = self.server.index.fetch_file(path)
        with handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(0)
            content_type = next(
                (t for s, t in _FILE_TYPES.items() if path.endswith(s)), "application/octet-stream"
            )
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
            self.end_headers()
            if send_body:
                shutil.copyfileobj(handle, self.wfile)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _text(self, status: HTTPStatus, reason: str, text: str, send_body: bool) -> None:
        body = text.encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], index: VerifiedIndex, *, verbose: bool) -> None:
        super().__init__(address, ProxyHandler)
        self.index = index
        self.verbose = verbose
