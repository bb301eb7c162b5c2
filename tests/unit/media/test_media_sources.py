"""Where media may be fetched from, and for how long: the providers' hosts only (judged as the
HTTP client reads the URL), never an address inside, on every redirect hop, within one
deadline for the whole download. Real HTTP servers on loopback; `watch_network` refuses any
connection or name lookup outside it, so a wrong answer here never leaves this machine."""
from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

import pytest

from market.media_intake import MAX_REDIRECTS, MediaRefused, Sources, download, fetch, twilio_auth
from tests.fakes.media import MediaHost, watch_network

SECRET = b"\x89PNG\r\n\x1a\n internal secret"
TWILIO = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "secret", "MEDIA_MAX_BYTES": 5000}


@pytest.fixture
def provider() -> Iterator[MediaHost]:
    """The provider's API as configured (TWILIO_API_BASE_URL points here, on loopback)."""
    with MediaHost() as host:
        yield host


@pytest.fixture
def internal() -> Iterator[MediaHost]:
    """A service inside that nobody outside may read through us."""
    with MediaHost(photo=SECRET) as host:
        yield host


def redirect(host: MediaHost, location: str) -> str:
    return f"{host.url}/redirect?to={urllib.parse.quote(location, safe='')}"


def test_a_backslash_url_is_judged_by_the_host_the_http_client_would_reach(provider, internal):
    # urlsplit reads the configured Twilio base after the "@"; requests connects to localhost.
    config = {**TWILIO, "TWILIO_API_BASE_URL": provider.url}
    url = (f"http://localhost:{internal.port}\\@127.0.0.1:{provider.port}"
           "/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1")
    assert twilio_auth(url, config) is None
    with watch_network() as net, pytest.raises(MediaRefused) as refused:
        fetch({"url": url}, config)
    assert refused.value.reason == "download_failed"
    assert internal.connections == 0 and provider.connections == 0
    assert net.connected == []


def test_evil_before_a_backslash_and_twilio_after_it_is_refused_before_any_lookup():
    url = "https://evil.com\\@api.twilio.com/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1"
    assert twilio_auth(url, TWILIO) is None  # no credentials for evil.com
    with watch_network() as net, pytest.raises(MediaRefused) as refused:
        fetch({"url": url}, TWILIO)
    assert refused.value.reason == "download_failed"
    assert net.resolved == [] and net.connected == []


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/photo",
    "http://localhost:{port}/photo",
    "http://2130706433:{port}/photo",  # 127.0.0.1 as one number
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.7/photo",
    "https://192.168.1.1/photo",
])
def test_a_provider_redirecting_inside_is_refused_without_reaching_it(provider, internal,
                                                                      target):
    config = {**TWILIO, "TWILIO_API_BASE_URL": provider.url}
    with watch_network() as net, pytest.raises(MediaRefused) as refused:
        fetch({"url": redirect(provider, target.format(port=internal.port))}, config)
    assert refused.value.reason == "download_failed"
    assert internal.connections == 0 and net.refused == []
    assert provider.paths == ["/redirect"]  # refused, not retried


def test_a_provider_name_that_resolves_inside_is_refused_before_connecting(internal):
    # As if one of the providers' names pointed at this machine: it is looked up, not reached.
    sources = Sources(hosts=("localhost",))
    with watch_network() as net, pytest.raises(MediaRefused) as refused:
        download(f"https://localhost:{internal.port}/photo", limit=5000, sources=sources)
    assert refused.value.reason == "download_failed"
    assert "localhost" in net.resolved
    assert net.connected == [] and internal.connections == 0


def test_redirects_are_followed_a_few_times_only(provider):
    config = {**TWILIO, "TWILIO_API_BASE_URL": provider.url}
    with pytest.raises(MediaRefused) as refused:
        fetch({"url": provider.url + "/loop"}, config)
    assert refused.value.reason == "download_failed"
    assert provider.paths.count("/loop") == MAX_REDIRECTS + 1


def test_credentials_stay_with_the_origin_they_were_meant_for(provider):
    with MediaHost() as cdn:
        config = {**TWILIO, "TWILIO_API_BASE_URL": provider.url,
                  "TWILIO_MEDIA_BASE_URL": cdn.url}
        assert fetch({"url": redirect(provider, cdn.url + "/photo")}, config) == cdn.photo
        assert provider.authorizations[0] and provider.authorizations[0].startswith("Basic ")
        assert cdn.authorizations == [None]


def test_the_cloud_api_token_goes_to_the_graph_api_and_meta_only(provider, internal):
    config = {"META_GRAPH_BASE_URL": provider.url + "/graph", "META_ACCESS_TOKEN": "meta-token",
              "MEDIA_MAX_BYTES": 5000}
    with MediaHost() as elsewhere:
        # A trusted media host that is not Meta's gets the file request, not the token.
        provider.graph_answer = elsewhere.url + "/photo"
        assert fetch({"meta_id": "MEDIA1"},
                     {**config, "TWILIO_MEDIA_BASE_URL": elsewhere.url}) == elsewhere.photo
        assert provider.authorizations == ["Bearer meta-token"]
        assert elsewhere.authorizations == [None]
    # The lookup naming an address inside is refused like any other.
    provider.graph_answer = f"http://127.0.0.1:{internal.port}/photo"
    with pytest.raises(MediaRefused):
        fetch({"meta_id": "MEDIA1"}, config)
    assert internal.connections == 0


def test_a_trickling_download_is_given_up_at_the_deadline(provider):
    # One byte every 0.2 s never trips a read timeout; only the deadline ends it.
    provider.trickle_bytes, provider.trickle_every = 100, 0.2
    config = {**TWILIO, "TWILIO_API_BASE_URL": provider.url,
              "MEDIA_DOWNLOAD_DEADLINE_SECONDS": 2}
    with pytest.raises(MediaRefused) as refused:
        fetch({"url": redirect(provider, provider.url + "/trickle")}, config)
    assert refused.value.reason == "download_failed"
    for _ in range(100):  # the server notices the hang-up at its next write
        if provider.trickle_sent:
            break
        time.sleep(0.1)
    assert provider.trickle_hung_up == [True]
    assert provider.trickle_sent[0] < provider.trickle_bytes
    assert provider.paths.count("/trickle") == 1  # a deadline is not retried


def test_the_sandbox_is_a_source_only_while_it_is_on_and_only_for_its_uploads():
    base = "http://127.0.0.1:5000"
    upload = base + "/sandbox/media/a.jpg"
    on = Sources.from_config({"SANDBOX_ENABLED": True, "SANDBOX_MEDIA_BASE_URL": base})
    on.check(upload)
    for url in (base + "/admin/", base + "/sandbox/media/../../admin/",
                "http://127.0.0.1:5001/sandbox/media/a.jpg", "http://localhost:5000/x"):
        with pytest.raises(MediaRefused):
            on.check(url)
    off = Sources.from_config({"SANDBOX_ENABLED": False, "SANDBOX_MEDIA_BASE_URL": base})
    with pytest.raises(MediaRefused):
        off.check(upload)


@pytest.mark.parametrize("url, allowed", [
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
    ("https://mms.twiliocdn.com/AC1/0123abcd", True),
    ("https://media.twiliocdn.com/AC1/0123abcd", True),
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/0123abcd", True),
    ("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", True),
    ("https://graph.facebook.com/v19.0/1234", True),
    ("https://s3-external-1.amazonaws.com/someone-elses-bucket/x", False),
    ("http://api.twilio.com/2010-04-01/x", False),  # not over TLS
    ("https://api.twilio.com.evil.example/x", False),
    ("https://eviltwilio.com/x", False),
    ("https://user:pw@api.twilio.com/x", False),
    ("https://evil.com\\@api.twilio.com/x", False),
    ("ftp://api.twilio.com/x", False),
    ("file:///etc/passwd", False),
    ("https://169.254.169.254/latest/meta-data/", False),
    ("http://127.0.0.1:5000/sandbox/media/a.jpg", False),  # the sandbox is off
    ("not a url", False),
])
def test_only_the_providers_hosts_are_media_sources(url, allowed):
    sources = Sources.from_config({"META_GRAPH_BASE_URL": "https://graph.facebook.com/v19.0"})
    if allowed:
        sources.check(url)
    else:
        with pytest.raises(MediaRefused):
            sources.check(url)
