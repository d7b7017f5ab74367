"""Sign in and out with Django's views, our form and templates."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(form_class=LoginForm), name="login"),
    # Django 5 accepts only POST here (GET answers 405): no logout by a cross-site link.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
