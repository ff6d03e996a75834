"""A slack_sdk ``WebClient`` that keeps its HTTP connections open between calls.

slack_sdk's synchronous client sends every call through ``urllib.request.urlopen``: a new TCP
connection (and, against slack.com, a new TLS handshake) per call, closed after the answer.
Under load that is a good part of a post's CPU and a round trip or two of its latency, and
slack_sdk offers no session to pass in. ``KeepAliveWebClient`` replaces only the last step of
a call, the HTTP exchange itself (``_perform_urllib_http_request_internal``, the same in every
slack_sdk 3.x), with a urllib3 ``PoolManager``: the request (URL, headers, body) is the one
slack_sdk built, the answer has the shape it expects, and failures look as urllib's did, so
slack_sdk's retry handlers, its errors and our ``Performer`` behave as before:

- a status outside 2xx raises urllib's ``HTTPError`` with the headers and body (429's
  ``Retry-After`` reaches ``RateLimitErrorRetryHandler``, 5xx ``ServerErrorRetryHandler``);
- a read timeout raises ``TimeoutError``, as urllib's socket did (not retried: the post may
  have gone out); any other network failure raises ``URLError`` (retried by
  ``ConnectionErrorRetryHandler``, as a refused or reset connection was).

urllib3 itself retries nothing (``retries=False``): slack_sdk's handlers decide. A proxy
(``proxy=`` or the ``HTTPS_PROXY`` variables slack_sdk reads) keeps slack_sdk's own urllib
path. One pool may serve many clients (one per workspace token in OAuth mode).
"""

from __future__ import annotations

import io
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk.web import WebClient

POOL_SIZE = 16
"""Connections kept per host: every thread that may call Slack at once (job threads, task
threads) finds one free, so urllib3 never opens and throws away a surplus connection."""


def connection_pool(ssl_context: Any = None) -> urllib3.PoolManager:
    """The keep-alive pool to share between clients (thread-safe)."""
    return urllib3.PoolManager(
        num_pools=4, maxsize=POOL_SIZE, retries=False, ssl_context=ssl_context
    )


class KeepAliveWebClient(WebClient):
    """``WebClient`` whose calls reuse pooled connections; everything else is slack_sdk's."""

    def __init__(self, *args: Any, pool: urllib3.PoolManager | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool = pool or connection_pool(self.ssl)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)
        try:
            response = self.pool.request(
                req.get_method(),
                url,
                body=req.data,  # type: ignore[arg-type]
                headers=dict(req.header_items()),
                timeout=self.timeout,
                redirect=False,
            )
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise TimeoutError(f"Slack did not answer within {self.timeout} s") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise URLError(getattr(exc, "reason", None) or exc) from exc
        if not 200 <= response.status < 300:
            headers = HTTPMessage()
            for name, value in response.headers.items():
                headers[name] = value
            reason = response.reason or ""
            raise HTTPError(url, response.status, reason, headers, io.BytesIO(response.data))
        body: Any = response.data  # bytes; text unless it is a gzip file (admin.analytics)
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith("application/gzip"):
            body = body.decode(_charset(content_type))
        return {"status": response.status, "headers": response.headers, "body": body}


def _charset(content_type: str) -> str:
    """The charset of a Content-Type header, UTF-8 when it names none (as slack_sdk assumes)."""
    message = HTTPMessage()
    message["Content-Type"] = content_type
    return message.get_content_charset() or "utf-8"
