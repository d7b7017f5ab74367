from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.forms import AdminLoginForm
from accounts.models import LoginAttempt
from portfolio.access import visible_people_q
from portfolio.admin_scoping import SuperuserReadOnlyAdmin, SuperuserWritesMixin

TOKEN_PREFIX = 4  # characters of an API token's key the admin shows


@admin.register(LoginAttempt)
class LoginAttemptAdmin(SuperuserReadOnlyAdmin):
    """Read-only, superusers only: attempts are evidence (usernames and addresses of every
    portfolio), written only by the sign-in forms; deleting them would lift lockouts."""

    list_display = ["at", "username", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(SuperuserWritesMixin, DjangoUserAdmin):
    """People. Superusers manage them; staff with the view permission see only the people
    of the sites and portfolios they see, in the list and in every user field's
    autocomplete (which searches this admin's queryset). Only superusers add, change or
    delete: a staff user who could change users could make themselves superuser."""

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        return users.filter(visible_people_q(request.user)).distinct()


# One lockout for every sign-in route: the admin's sign-in page uses it too.
admin.site.login_form = AdminLoginForm


def token_label(token) -> str:
    """A token as the admin names it: its user and the key's first characters, never the
    key (DRF's ``Token.__str__`` is the key)."""
    return f"Token of {token.user} ({token.key[:TOKEN_PREFIX]}…)"


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(DRFTokenAdmin):
    """API tokens, for superusers only, and never listed in full.

    DRF's model stores the key in clear (it is what the API compares), so the admin never
    displays it: the list shows its first characters, a token has no change page, and the
    key is shown once, in the message after it is added.
    """

    list_display = ("user", "key_prefix", "created")
    list_display_links = None

    @admin.display(description="Key")
    def key_prefix(self, obj):
        return f"{obj.key[:TOKEN_PREFIX]}…"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        # No page per token: its title would be the key.
        return request.user.is_superuser and obj is None

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_deleted_objects(self, objs, request):
        _, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [token_label(token) for token in objs], model_count, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        token = self.get_object(request, object_id)
        if token is not None:
            # The page names the token by its label, and links it by its user's id.
            shown = _Shown(pk=token.user_id, label=token_label(token))
            extra_context = {**(extra_context or {}), "object": shown, "escaped_object": shown}
        return super().delete_view(request, object_id, extra_context)

    def response_delete(self, request, obj_display, obj_id):
        return super().response_delete(request, f"{str(obj_display)[:TOKEN_PREFIX]}…", obj_id)


class _Shown:
    """What the delete page shows for a token: a label and its user's id, not the key."""

    def __init__(self, *, pk, label):
        self.pk = pk
        self.label = label

    def __str__(self):
        return self.label
