"""The Cloud API backend's pool of connections to Meta, for the calls a thread's own connection (keep_alive.py) does
not carry: those through a proxy, and downloads. One urllib3 pool manager per backend, safe to share between the
threads of a send pool, keeping up to ``SEND_CONCURRENCY`` keep-alive connections per host so that parallel calls do
not pay a TLS handshake each.

urllib3 directly, not requests: a ``requests.Session`` call costs more than twice urllib3's CPU, and at Meta's cap the
sender's own CPU is the limit (bench/fake_graph_load.py prints the CPU per message).

The environment is read once, when the backend is made, the way requests reads it: the proxy from HTTPS_PROXY /
HTTP_PROXY / ALL_PROXY unless NO_PROXY names the Graph API's host, and the CA bundle from REQUESTS_CA_BUNDLE /
CURL_CA_BUNDLE, else certifi's (requests' own default). No automatic retries: the sender decides (outbound/).
"""

import os

import urllib3
from requests.utils import DEFAULT_CA_BUNDLE_PATH, get_auth_from_url, get_environ_proxies, select_proxy

HOSTS_KEPT = 4  # pools kept open, one per host: the Graph API and Meta's media download host
# Downloads follow redirects as requests did (a download URL may move), and retry nothing else.
REDIRECTS_ONLY = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)


def connection_pool(*, size, timeouts, proxy, ca_bundle):
    """A PoolManager (a ProxyManager through ``proxy``, the environment's for the Graph API: ``environment_proxy``)."""
    options = {
        "num_pools": HOSTS_KEPT,
        "maxsize": size,
        "block": False,  # a burst past ``size`` opens a connection more rather than waiting, as requests did
        "retries": False,
        "timeout": urllib3.Timeout(connect=timeouts.connect, read=timeouts.read),
        "cert_reqs": "CERT_REQUIRED",
        **_ca_options(ca_bundle),
    }
    if not proxy:
        return urllib3.PoolManager(**options)
    username, password = get_auth_from_url(proxy)
    if proxy.lower().startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks, as requests[socks] does

        return SOCKSProxyManager(proxy, username=username or None, password=password or None, **options)
    headers = urllib3.make_headers(proxy_basic_auth=f"{username}:{password}") if username else None
    return urllib3.ProxyManager(proxy, proxy_headers=headers, **options)


def environment_proxy(url):
    """The proxy URL the environment gives for ``url`` (None when there is none or NO_PROXY names its host)."""
    proxy = select_proxy(url, get_environ_proxies(url, no_proxy=None))
    if proxy and "://" not in proxy:
        proxy = f"http://{proxy}"  # requests reads "proxy.comune.it:3128" as an HTTP proxy
    return proxy or None


def environment_ca_bundle():
    """The CA bundle (a file or a folder) that verifies Meta's certificate."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or DEFAULT_CA_BUNDLE_PATH


def _ca_options(bundle):
    return {"ca_cert_dir": bundle} if os.path.isdir(bundle) else {"ca_certs": bundle}
