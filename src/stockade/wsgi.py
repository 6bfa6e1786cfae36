"""WSGI entry point: the read path in front of Django."""

import os

from django.core.files.storage import storages
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stockade.settings")

from stockade.server.readpath import ReadPathApp

application = ReadPathApp(get_wsgi_application(), storages["packages"])
