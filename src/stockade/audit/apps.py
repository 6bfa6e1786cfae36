from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "stockade.audit"
    label = "audit"
    verbose_name = "Audit log"
