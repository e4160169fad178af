from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.mfa import has_mfa, mfa_required
from accounts.services import SIGN_IN_TOKEN_NAME, api_token_create
from accounts.throttling import TokenSignInThrottle

BAD_CREDENTIALS = "Email address or password is wrong, or the account is locked or inactive."
PASSWORD_SIGN_IN_OFF = (
    "Password sign-in is switched off here: create a token on your API tokens page "
    "(/accounts/tokens/) after signing in."
)
MFA_ACCOUNT = (
    "This account uses two-factor authentication, which a password alone cannot pass: create a "
    "token on your API tokens page (/accounts/tokens/) after signing in."
)


class TokenRequest(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


_detail = inline_serializer("TokenError", {"detail": serializers.CharField()})


class ObtainToken(APIView):
    """Exchange an e-mail address and password for a new API token (`Authorization: Token ...`).

    Each call issues a new token named "API sign-in" that expires after `API_TOKEN_DAYS` days
    (30 by default; `expires_at` in the answer). Accounts that use two-factor authentication,
    and deployments with password sign-in switched off, create tokens on the API tokens page.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenSignInThrottle]

    @extend_schema(
        request=TokenRequest,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "Wrong e-mail or password ({detail: ...}), or a bad field ({email: [...]})."
                ),
            ),
            403: OpenApiResponse(_detail, description="MFA account or password sign-in off."),
            429: OpenApiResponse(_detail, description="Locked out or throttled (Retry-After)."),
        },
    )
    def post(self, request):
        if not settings.PASSWORD_LOGIN:
            return Response({"detail": PASSWORD_SIGN_IN_OFF}, status=status.HTTP_403_FORBIDDEN)
        payload = TokenRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=payload.validated_data["email"],
            password=payload.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response({"detail": BAD_CREDENTIALS}, status=status.HTTP_400_BAD_REQUEST)
        if mfa_required(user) or has_mfa(user):
            return Response({"detail": MFA_ACCOUNT}, status=status.HTTP_403_FORBIDDEN)
        # As the sign-in page does: a success resets django-axes' failure count for the account.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        issued = api_token_create(user=user, name=SIGN_IN_TOKEN_NAME)
        return Response({"token": issued.key, "expires_at": issued.token.expires_at})
