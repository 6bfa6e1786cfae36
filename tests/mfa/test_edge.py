"""The JSON edge of the WebAuthn ceremonies."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_multipart_post_to_a_json_endpoint_is_a_400_not_a_500(owner):
    """The CSRF check reads a multipart body first; the endpoint must still answer cleanly."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("accounts:settings"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("mfa:register-security-key"),
        {"csrfmiddlewaretoken": token, "credential": "not json"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert 400 <= response.status_code < 500
