from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="ama/login.html"), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("federation.urls")),
    path("", include("ama.urls")),
]
