from django.apps import AppConfig


class OEMConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "oem"
    verbose_name = "OEM"
