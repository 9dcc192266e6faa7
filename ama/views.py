from django.shortcuts import render


def home(request):
    return render(request, "ama/home.html", {})
