"""`digest export`: one self-contained HTML page and a Markdown file per group, where
member text can never run: escaped by the templates, only http(s) addresses as links,
and a page that makes no request. The page is opened in headless Chromium where it is
installed (Debian's `chromium`), with every request it might make sent to a proxy of
ours that counts them."""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
from pathlib import Path

import pytest

from bot.features.digests.export import linkify, markdown_text
from bot.features.digests.material import Topic
from bot.intents import DirectMessage, Ephemeral
from bot.testing import TestBot
from tests.features.digests.helpers import answer, draft

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A member's script would mark the page; its own source never holds the mark whole.
SCRIPT = "<script>document.body.setAttribute('data-x', 'p' + 'wned')</script>"
IMAGE = "<img src=x onerror=\"document.title='p'+'wned'\">"
NASTY = Topic(
    "Q1",
    "Best <b>tips</b>?",
    (
        answer("lee", f"Try this {SCRIPT} and {IMAGE}"),
        answer("maria", "[click](javascript:alert(1)) or javascript:alert(2)"),
        answer("sam", 'See https://ok.example/a?b=1&c="2" please'),
    ),
)


async def exported(bot: TestBot, kind: str) -> str:
    """The file `digest export` sends by direct message, with a short reply."""
    await bot.say("dana", "/role grant <@dana> organizer")
    await draft(bot, NASTY)
    await bot.say("dana", "/digest publish 1")
    sent = await bot.say("dana", f"/digest export format={kind}")
    [dm] = [i for i in sent if isinstance(i, DirectMessage)]
    [reply] = [i for i in sent if isinstance(i, Ephemeral)]
    assert bot.texts([reply]) == ["I've sent the digest archive to you in a direct message."]
    assert dm.member == bot.member("dana") and dm.asked and not dm.message.keep_copy
    file = dm.message.attachment
    assert file is not None
    extension = "md" if kind == "markdown" else "html"
    assert file.filename == f"digests-parents-20260907.{extension}"
    what = "a Markdown file" if kind == "markdown" else "a web page any browser opens"
    assert bot.texts([dm]) == [f"*Digest archive*\n1 digest of <#parents>, as {what}."]
    return base64.b64decode(file.data_base64).decode()


def test_member_text_becomes_html_text_and_only_web_addresses_become_links() -> None:
    assert linkify('a <b> "c" https://x.example/?q=<1>&r=2. javascript:alert(1)') == (
        'a &lt;b&gt; &#34;c&#34; <a href="https://x.example/?q=" rel="nofollow noopener '
        'noreferrer">https://x.example/?q=</a>&lt;1&gt;&amp;r=2. javascript:alert(1)'
    )
    assert markdown_text("[x](javascript:alert(1)) <i>") == (
        "\\[x\\]\\(javascript:alert\\(1\\)\\) &lt;i&gt;"
    )


async def test_the_html_page_escapes_member_text(bot: TestBot) -> None:
    page = await exported(bot, "html")
    assert "<script" not in page
    assert "<img" not in page
    assert 'href="javascript' not in page
    assert re.findall(r'href="([^"]+)"', page) == [
        "https://chat.example/m",
        "https://chat.example/m",
        "https://ok.example/a?b=1&amp;c=",
        "https://chat.example/m",
        "https://ok.example/a?b=1&amp;c=",
    ]
    assert "Try this &lt;script&gt;document.body.setAttribute(&#39;data-x&#39;" in page
    assert "<h3>Q1. Best &lt;b&gt;tips&lt;/b&gt;?</h3>" in page
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page


async def test_the_markdown_file_escapes_member_text(bot: TestBot) -> None:
    text = await exported(bot, "markdown")
    assert text.split("\n")[:3] == [
        "# Digests of #parents",
        "",
        "## Digest: Homework without tears",
    ]
    assert (
        "- \\[click\\]\\(javascript:alert\\(1\\)\\) or javascript:alert\\(2\\) — maria "
        "<https://chat.example/m>"
    ) in text
    assert "<script" not in text and "<img" not in text


async def test_a_parent_cannot_export(bot: TestBot) -> None:
    await bot.say("dana", "/role grant <@dana> organizer")
    await draft(bot, NASTY)
    await bot.say("dana", "/digest publish 1")
    before = await bot.state()
    assert bot.texts(await bot.say("lee", "/digest export")) == [
        "Only organizers can do that. If you help run this group, an organizer can give you "
        "the role with “role grant”."
    ]
    assert await bot.state() == before


# Chromium's own services, which it calls as it starts, whatever page it opens, and
# despite the flags that turn most of them off: never the page's requests.
BROWSERS_OWN = (b"update.googleapis.com", b"accounts.google.com", b"clients2.google.com")


def browsers_own(request: bytes) -> bool:
    """Whether a request line is to one of the browser's own services."""
    target = request.split(b" ")[1] if b" " in request else b""
    host = target.split(b"//")[-1].split(b"/")[0].split(b":")[0]
    return host in BROWSERS_OWN


class CountingProxy:
    """A proxy that answers every request with an error and counts them."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.requests.append(await reader.readline())
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()


async def open_in_chromium(path: Path) -> tuple[str, list[bytes]]:
    """The page's DOM after Chromium loaded it (and ran whatever it would run), and
    every request Chromium made through the proxy."""
    assert CHROMIUM is not None
    proxy = CountingProxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        chromium = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-client-side-phishing-detection",
            "--no-pings",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,"
            "Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
            f"--proxy-server=http://127.0.0.1:{port}",
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=2000",
            "--dump-dom",
            path.as_uri(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(chromium.communicate(), timeout=90)
    return out.decode(), proxy.requests


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
async def test_chromium_renders_the_page_without_requests_or_member_scripts(
    bot: TestBot, tmp_path: Path
) -> None:
    page = tmp_path / "digests.html"
    page.write_text(await exported(bot, "html"))
    dom, requests = await open_in_chromium(page)
    assert "<h1>Digests of #parents</h1>" in dom
    assert "<h2>Digest: Homework without tears</h2>" in dom
    assert dom.count("<li") == 4  # three answers and the one link shared
    assert "pwned" not in dom
    assert "<title>Digests of #parents</title>" in dom
    assert [r for r in requests if not browsers_own(r)] == []


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
async def test_the_harness_sees_a_script_and_a_request_when_there_is_one(tmp_path: Path) -> None:
    """The control: a page that did run a member's script and load an image is caught."""
    page = tmp_path / "raw.html"
    page.write_text(
        f"<html><body><h1>x</h1>{SCRIPT}<img src='http://img.example/a.png'></body></html>"
    )
    dom, requests = await open_in_chromium(page)
    assert 'data-x="pwned"' in dom
    assert [r.split(b" ")[:2] for r in requests if not browsers_own(r)] == [
        [b"GET", b"http://img.example/a.png"]
    ]
