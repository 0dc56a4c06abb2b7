"""The senders: e-mail through Django's mail backend, and the webhooks of 企业微信 (WeCom) and
钉钉 (DingTalk) group robots in their documented JSON formats.

On an intranet a webhook points wherever the unit administrator configured it: a private
deployment of either product or a forwarding proxy. Nothing here knows a default address, the
proxy variables of the environment are ignored (the configured URL is the route) and redirects
are not followed. Every failure becomes a :class:`ChannelError` with a short message that never
contains the webhook's key or token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

# Both robots refuse longer messages (WeCom: 4096 bytes of markdown; DingTalk allows more).
MAX_BYTES = 4000


class ChannelError(Exception):
    """A message could not be delivered; the text is safe to store and show."""


def truncate_bytes(text: str, limit: int = MAX_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def describe_url(url: str) -> str:
    """The webhook's address without its query (where the key or token is), for logs."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.netloc}{parts.path}"[:200]


def check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelError("Webhook 地址必须以 http:// 或 https:// 开头")


# -- e-mail ---------------------------------------------------------------------------------


def send_email(*, to: str, subject: str, body: str) -> None:
    if not settings.EMAIL_ENABLED:
        raise ChannelError("未配置邮件服务器 (BANGFU_EMAIL_HOST)")
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"邮件发送失败: {type(exc).__name__}: {exc}"[:300]) from None


# -- webhooks -------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def post_json(url: str, payload: dict[str, Any], *, timeout: float | None = None) -> Any:
    """POST ``payload`` as JSON; the robots answer ``{"errcode": 0, "errmsg": "ok"}``, any
    other errcode is a failure."""
    check_url(url)
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(request, timeout=timeout or settings.NOTIFY_TIMEOUT) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise ChannelError(f"无法连接: {exc.reason}"[:300]) from None
    except (OSError, ValueError) as exc:
        raise ChannelError(f"无法连接: {type(exc).__name__}: {exc}"[:300]) from None
    try:
        answer = json.loads(body.decode() or "null")
    except (UnicodeDecodeError, ValueError):
        raise ChannelError("应答不是 JSON") from None
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        message = str(answer.get("errmsg", ""))[:200]
        raise ChannelError(f"errcode {answer.get('errcode')}: {message}")
    return answer


def wecom_payload(content: str) -> dict[str, Any]:
    """企业微信群机器人: a markdown message."""
    return {"msgtype": "markdown", "markdown": {"content": truncate_bytes(content)}}


def dingtalk_payload(title: str, text: str) -> dict[str, Any]:
    """钉钉自定义机器人: a markdown message (the title shows in the conversation list)."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": truncate_bytes(text)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: Base64 of HMAC-SHA256 over ``"{timestamp}\\n{secret}"`` keyed with the
    secret (not yet URL-encoded)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook with ``&timestamp=…&sign=…`` appended when a secret is set."""
    if not secret:
        return url
    timestamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp))
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def send_wecom(url: str, content: str) -> None:
    post_json(url, wecom_payload(content))


def send_dingtalk(url: str, secret: str, title: str, text: str) -> None:
    post_json(dingtalk_signed_url(url, secret), dingtalk_payload(title, text))
