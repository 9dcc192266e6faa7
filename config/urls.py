from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # the language switch posts without a CSRF token: it sits on anonymous pages every visitor shares (cached,
    # proxied), and a forged post can change nothing but a visitor's language (ama/views/caching.py)
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="ama/login.html"), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("federation.urls")),
    path("", include("ama.urls")),
]
