from django.urls import path

app_name = "clocks"
urlpatterns: list = []
