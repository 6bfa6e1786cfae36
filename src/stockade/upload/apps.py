from django.apps import AppConfig


class UploadConfig(AppConfig):
    name = "stockade.upload"
    label = "upload"
