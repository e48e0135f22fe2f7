"""The built HTML book as a reader gets it: every page in a real browser, offline.

Debian's Chromium (headless, fresh profile) is driven by Playwright; no browser is downloaded. The book
is served from ``_build/html`` on 127.0.0.1, and every request the browser makes is recorded: anything
not addressed to this machine is blocked and fails the page that made it.

Pages are enumerated from ``_toc.yml`` (so a new chapter is checked without editing this file), plus the
two pages Sphinx generates itself: ``search.html`` (the search box leads there) and ``genindex.html``
(linked from every page's ``<link rel="index">``). ``test_every_built_page_is_checked`` fails if the
build produces an HTML page that is in neither list.

Each page has a class of its own (``TestPage01`` ... in toc order, made by ``_page_classes``): pytest-xdist
(``--dist loadscope``) hands out one class at a time, so the workers (each with its own Chromium and
server) share the pages evenly, and conftest's ``pytest_collection_modifyitems`` starts the biggest pages
first (see there).

For each page: HTTP 200, no console or page errors, no failed or 4xx/5xx request, nothing requested
outside localhost, every image decoded with non-empty alt text, internal links and #anchors resolve,
no horizontal scrolling at phone width, a dark theme with readable text, and no serious or critical
axe-core violation in light or dark mode. Sphinx's search is run for real terms.

Screenshots are for a person to look at and no check reads them, so ``make test`` takes none (three a
page were a twentieth of its processor time). ``make screenshots`` runs these checks with
``STEMREPORT_SCREENSHOTS=first``: the first screen of each page goes to ``_build/screenshots/``
(``<page>-desktop.jpg``, ``<page>-phone.png``, ``<page>-dark.png``), named after the page path
(``book/intro.html`` -> ``book__intro-desktop.jpg``). With ``STEMREPORT_SCREENSHOTS=full`` the desktop one
is the whole page, for a person to read through (seconds a page: the changes log is a long page).
"""
from __future__ import annotations

import functools
import os
import re
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, toc_docnames

pytestmark = pytest.mark.book

CHROMIUM = "/usr/bin/chromium"  # Debian's package (tools/system-packages.txt), not a Playwright download
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 # Nothing leaves the machine, including requests the browser makes on its own (which
                 # Playwright does not see): no host name but ours resolves, and every other address
                 # (an IP literal too) goes to a proxy that is not there (port 9, discard; Chromium never
                 # proxies loopback addresses). The pages' requests are also recorded (_guarded).
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
SCREENSHOT_MODES = ("", "first", "full")  # none (make test), first screens (make screenshots), whole desktop pages
SCREENSHOT_MODE = os.environ.get("STEMREPORT_SCREENSHOTS", "")
if SCREENSHOT_MODE not in SCREENSHOT_MODES:
    raise pytest.UsageError(f"STEMREPORT_SCREENSHOTS={SCREENSHOT_MODE!r}: expected one of {SCREENSHOT_MODES[1:]} or unset")
FULL_SCREENSHOTS = SCREENSHOT_MODE == "full"

BOOK_PAGES = [f"{name}.html" for name in toc_docnames()]
SPHINX_PAGES = ["search.html", "genindex.html"]
PAGES = BOOK_PAGES + SPHINX_PAGES
# Real terms from the stories; test_search first checks that each occurs in some page's article text.
SEARCH_QUERIES = ["Ryoncil", "Bigas", "Tiangong", "VCANBIO"]
SERIOUS = {"serious", "critical"}


# --------------------------------------------------------------------------------------------- fixtures

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


@pytest.fixture(scope="session")
def site(built_book):
    """Base URL of ``_build/html`` served on 127.0.0.1 at a free port (threaded: pages load in parallel)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book / "html"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@dataclass
class Visit:
    """One page load: the Playwright page plus everything it logged and requested."""
    page: object
    status: int | None = None
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # console errors, page errors, failed/4xx requests
    reused: bool = False  # a tab kept open for the next page (see Browser.visit)

    def close(self) -> None:
        """Done with the page: a tab of its own is closed, a kept tab stays for the next visit."""
        if not self.reused:
            self.page.close()


class Browser:
    def __init__(self, context, site: str):
        self.context = context
        self.site = site
        self.blocked: list[str] = []
        self._kept: dict[tuple, object] = {}  # (width, height, mode) -> a tab kept open
        self._visit_of: dict[object, Visit] = {}  # page -> the visit its events now belong to

    def visit(self, path: str, *, mode: str = "light", viewport: dict = DESKTOP, settle: bool = True,
              preset: bool = True, reuse: bool = False) -> Visit:
        """Open ``path`` with the theme in ``mode`` (the theme reads localStorage ``mode``); ``preset=False``
        empties localStorage before the page's scripts run, as on a reader's first visit (the context is
        shared, so earlier pages have stored a choice).

        ``reuse=True`` (with ``preset``) loads the page in a tab kept open for this size and mode: a new
        document all the same (scripts, DOM, scroll and sessionStorage start afresh; the init script runs again), but
        without a new tab's set-up, which cost more than the load itself. The page checks use it."""
        key, keep = (viewport["width"], viewport["height"], mode), reuse and preset
        page = self._kept.get(key) if keep else None
        if page is None:
            page = self.context.new_page()
            page.set_viewport_size(viewport)
            if preset:
                # sessionStorage is a tab's own: emptied, a kept tab starts each page as a new tab does (the
                # theme would otherwise restore the previous page's sidebar scroll from it).
                page.add_init_script(f"try {{ sessionStorage.clear(); localStorage.setItem('mode', '{mode}'); "
                                     f"localStorage.setItem('theme', '{mode}'); }} catch (e) {{}}")
            else:
                page.add_init_script("try { localStorage.clear(); } catch (e) {}")
            self._listen(page)
            if keep:
                self._kept[key] = page
        else:
            page.bring_to_front()  # a background tab gets no animation frames (the dark-mode switch waits for two)
        page.emulate_media(color_scheme=mode)
        visit = Visit(page, reused=keep)
        self._visit_of[page] = visit
        response = page.goto(self.site + path, wait_until="load")
        visit.status = response.status if response else None
        if settle:  # web fonts loaded (lazy images are decoded explicitly by the image check)
            page.evaluate("document.fonts.ready.then(() => true)")
        return visit

    def _listen(self, page) -> None:
        """Record the page's requests and problems in its current visit."""
        def note(kind: str):
            return lambda text: self._visit_of[page].problems.append(f"{kind}{text}")

        page.on("request", lambda r: self._visit_of[page].requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and note("console error: ")(m.text))
        page.on("pageerror", lambda e: note("page error: ")(e))
        page.on("requestfailed", lambda r: note("request failed: ")(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and note("HTTP ")(f"{r.status}: {r.url}"))


@pytest.fixture(scope="session")
def browser(site):
    """One Chromium for the whole session, with a fresh profile (Playwright's own temporary one) and a guard
    on every request. The pages are visited in one context of it; ``fresh()`` opens another context of the
    same Chromium, which starts with empty storage and an empty cache (a second Chromium, as this once
    launched for first visits, cost seconds of processor time in every run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        wrapper = _guarded(chromium.new_context(viewport=DESKTOP, service_workers="block"), site)

        def fresh() -> Browser:
            """A browser that has never seen the book: a new context (empty storage, empty cache)."""
            return _guarded(chromium.new_context(viewport=DESKTOP, service_workers="block"), site)

        wrapper.fresh = fresh
        if SCREENSHOT_MODE:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield wrapper
        wrapper.context.close()
        chromium.close()


def _guarded(context, site: str) -> Browser:
    """``context`` with every request outside localhost recorded (``blocked``); the browser's flags
    (CHROMIUM_ARGS) make sure none of them reaches the network, and the page that asked fails its test
    (_assert_clean). Recorded from request events, not intercepted with ``context.route``: interception
    sends every request of every page through Python and back, which cost a fifth of a second a page."""
    context.set_default_timeout(30_000)
    wrapper = Browser(context, site)

    def record(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            wrapper.blocked.append(request.url)

    context.on("request", record)
    return wrapper


AXE_VERSION = "4.14.1"
AXE_SCRIPT = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # see tests/vendor/README.md


class Axe:
    """axe-core from the npm package vendored in tests/vendor (no network), injected once per page.

    4.14 and not the 4.12.1 bundled in axe-playwright-python (which this project used before): 4.14 has
    dequelabs/axe-core#5323 (colour objects without private class fields, colour strings parsed once),
    which makes the colour-contrast rule several times faster on long pages; that rule, run in light and in
    dark mode, was most of the browser tests' time.
    """

    def __init__(self, script: Path = AXE_SCRIPT):
        self.script = script.read_text(encoding="utf-8")
        head = self.script[:200]
        assert f"axe v{AXE_VERSION}" in head, f"{script} is not axe-core {AXE_VERSION}: {head[:40]!r}"

    def run(self, page, options: dict) -> dict:
        """axe.run on the whole document; returns axe's results object (``violations`` etc.). Without each
        node's HTML (``noHtml``: the reports name nodes by selector; building the snippets for every node
        checked was a sixth of a full run)."""
        if page.evaluate("() => (window.axe && window.axe.version) || null") != AXE_VERSION:
            page.evaluate(self.script)
            page.evaluate("() => axe.configure({noHtml: true})")
        return page.evaluate("options => axe.run(document, options)", options)


@pytest.fixture(scope="session")
def axe():
    return Axe()


# ------------------------------------------------------------------------------------------------ helpers

def _shot(path: str, variant: str) -> Path:
    return SCREENSHOTS / f"{path.removesuffix('.html').replace('/', '__')}-{variant}.png"


def _screenshot(page, target: Path, **options) -> None:
    """A picture for review, taken only when asked for (``STEMREPORT_SCREENSHOTS``, see the module docstring)."""
    if SCREENSHOT_MODE:
        page.screenshot(path=target, **options)


def _assert_clean(visit: Visit, path: str) -> None:
    assert visit.status == 200, f"{path}: HTTP {visit.status}"
    outside = [url for url in visit.requests
               if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not outside, f"{path} requested addresses outside localhost (blocked): {outside}"
    assert not visit.problems, f"{path}:\n" + "\n".join(visit.problems)


# preload=False: axe-core 4.12 fetches @import-ed stylesheets from a wrong URL (relative to the page, not
# to the stylesheet: dequelabs/axe-core#5268), so on every page it requested /basic.css (404, a console
# error), and the one rule that needs the preload, css-orientation-lock, got a silently wrong result.
# That rule is replaced by test_no_orientation_lock (a static check of every stylesheet). With 4.14 a run
# with the preload on asked for no missing stylesheet on the introduction (checked once, by hand); the preload
# stays off, as the static check covers the rule on every stylesheet and fetching them costs time.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}


def _axe_serious(axe, page, rules: dict | None = None) -> list[str]:
    """Serious and critical violations, each with its first nodes' selectors. axe builds a selector for
    every node it reports unless told not to (an eighth of a full run's time on a long page), so the
    selectors are asked for only in a second run, when there is something to report."""
    options = dict(AXE_OPTIONS, **({"runOnly": rules} if rules else {}))
    results = axe.run(page, dict(options, selectors=False))
    if not any(v["impact"] in SERIOUS for v in results["violations"]):
        return []
    results = axe.run(page, options)
    return [f"{v['id']} ({v['impact']}): {v['help']} -- " + "; ".join(
                f"{' '.join(map(str, n['target']))}: {n.get('failureSummary', '').splitlines()[-1].strip()}"
                for n in v["nodes"][:5]) + (f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else "")
            for v in results["violations"] if v["impact"] in SERIOUS]


def _rgb(css: str) -> tuple[float, float, float, float]:
    """``rgb(...)``/``rgba(...)`` as computed by Chromium -> (r, g, b, alpha)."""
    match = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", css.strip())
    assert match, f"unexpected computed colour {css!r}"
    r, g, b, a = match.groups()
    return float(r), float(g), float(b), 1.0 if a is None else float(a)


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _assert_dark(page, path: str) -> None:
    """Dark page background, and the article's text light enough to read on what is behind it."""
    colours = page.evaluate("""() => {
        const style = el => getComputedStyle(el);
        const text = document.querySelector('article p, article li, main p, main h1') || document.body;
        let behind = text, colour = style(text).backgroundColor;
        while (behind.parentElement && /^rgba\\(.*, 0\\)$/.test(colour = style(behind).backgroundColor))
            behind = behind.parentElement;
        return {body: style(document.body).backgroundColor, text: style(text).color, behind: colour};
    }""")
    body, text, behind = _rgb(colours["body"]), _rgb(colours["text"]), _rgb(colours["behind"])
    assert _luminance(body) < 0.05, f"{path}: dark-mode page background is {colours['body']}"
    assert _luminance(behind) < 0.05, f"{path}: dark-mode background behind the text is {colours['behind']}"
    assert _contrast(text, behind) >= 7, f"{path}: dark-mode text {colours['text']} on {colours['behind']}"


@functools.cache
def _soup(path: str) -> BeautifulSoup:
    return BeautifulSoup((HTML / path).read_text(encoding="utf-8"), "html.parser")


@functools.cache
def _ids(path: str) -> frozenset[str]:
    soup = _soup(path)
    return frozenset([t["id"] for t in soup.find_all(id=True)]
                     + [t["name"] for t in soup.find_all("a", attrs={"name": True})])


def _article_text(path: str) -> str:
    article = _soup(path).find("article") or _soup(path).find("main")
    return article.get_text(" ") if article else ""


# -------------------------------------------------------------------------------------------------- tests

def test_every_built_page_is_checked(built_book):
    """Every HTML page of the build is one this module visits (index.html is only a redirect)."""
    built = {p.relative_to(built_book / "html").as_posix() for p in (built_book / "html").rglob("*.html")
             if p.relative_to(built_book / "html").parts[0] not in ("_static", "_sources", "_downloads")}
    assert built - {"index.html"} == set(PAGES), "pages built but not in the toc (or the reverse)"


def test_no_orientation_lock(built_book):
    """WCAG 1.3.4 (axe css-orientation-lock, which cannot run here, see AXE_OPTIONS): no stylesheet
    restricts the book to portrait or landscape with an orientation media query."""
    for css in (built_book / "html" / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@media[^{]*orientation", text), f"{css.name} has an orientation media query"


def test_index_redirects_to_the_first_page(browser):
    visit = browser.visit("index.html", settle=False)
    try:
        visit.page.wait_for_url(re.compile(re.escape(BOOK_PAGES[0]) + "$"))
        assert not visit.problems, visit.problems
    finally:
        visit.page.close()


# A badge is an inline block, so an element's client rects do not tell whether it wrapped: the count's text
# must sit on the badge's line, to its right ({verdict}`code|n ·`, see the extension's verdict role).
_SPLIT_COUNTS = """() => [...document.querySelectorAll('.verdict-count')].filter(e => {
    const badge = e.querySelector('.verdict-badge').getBoundingClientRect();
    const range = document.createRange(); range.selectNodeContents(e.lastChild);
    const count = range.getBoundingClientRect();
    return !(count.top < badge.bottom && count.bottom > badge.top && count.left >= badge.right - 1);
}).map(e => e.textContent).slice(0, 5)"""


def _set_mode(page, mode: str) -> None:
    """Switch the theme as its own light/dark button does, and wait until the page has settled: the
    theme animates some colours (e.g. the search field), and a screenshot or contrast check taken
    mid-transition sees colours no reader is left with. (The page is brought to the front first: a background
    tab gets no animation frames.)"""
    page.bring_to_front()
    page.emulate_media(color_scheme=mode)
    page.evaluate("""async mode => {
        localStorage.setItem('mode', mode); localStorage.setItem('theme', mode);
        document.documentElement.dataset.mode = mode;
        document.documentElement.dataset.theme = mode;
        const frame = () => new Promise(done => requestAnimationFrame(done));
        await frame(); await frame();
        await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
        await frame();
    }""", mode)



def pytest_generate_tests(metafunc):
    """Each page class checks its own page (see the module docstring)."""
    if metafunc.cls is not None and hasattr(metafunc.cls, "PAGES") and "path" in metafunc.fixturenames:
        metafunc.parametrize("path", metafunc.cls.PAGES, scope="class")


@pytest.fixture(scope="class")
def tab(request, browser, path):
    """One page loaded in light mode at desktop size, shared by test_page_light, test_page_dark and the
    layout checks (pytest runs the tests of one page together, so each page loads once for all)."""
    visit = browser.visit(path, reuse=True)
    yield path, visit
    visit.close()


# Rules whose outcome depends on colours; every other axe rule sees the same DOM in both modes.
AXE_COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


class _PageChecks:
    PAGES: list[str] = []

    def test_page_light(self, tab, axe):
        """Loads cleanly and offline; images load and have alt text; no serious/critical axe violations."""
        path, visit = tab
        page = visit.page
        _assert_clean(visit, path)
        assert page.title().strip(), f"{path} has no <title>"
        images = page.evaluate("""async () => {
            const imgs = [...document.querySelectorAll('img')];
            for (const img of imgs) { img.loading = 'eager'; try { await img.decode(); } catch (e) {} }
            return imgs.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth,
                                     alt: (img.getAttribute('alt') || '').trim()}));
        }""")
        broken = [i["src"] for i in images if i["width"] == 0]
        no_alt = [i["src"] for i in images if not i["alt"]]
        assert not broken, f"{path}: images that did not load: {broken}"
        assert not no_alt, f"{path}: images without alt text: {no_alt}"
        # For a person to look at (the whole page on request, see the module docstring): JPEG, as encoding a
        # long page as PNG takes seconds.
        _screenshot(page, _shot(path, "desktop").with_suffix(".jpg"), full_page=FULL_SCREENSHOTS, type="jpeg",
                    quality=75)
        violations = _axe_serious(axe, page)
        assert not violations, f"{path} (light):\n" + "\n".join(violations)
        assert not visit.problems, f"{path}:\n" + "\n".join(visit.problems)  # anything logged meanwhile

    def test_page_dark(self, tab, axe):
        """The theme's dark mode: dark background, light text that contrasts, no serious/critical colour
        violation. Switched the way the theme's own button does it (data-mode/data-theme on <html>);
        test_dark_mode_from_local_storage checks that a stored choice gives the same on a fresh load."""
        path, visit = tab
        page = visit.page
        _set_mode(page, "dark")
        _assert_dark(page, path)
        _screenshot(page, _shot(path, "dark"))
        violations = _axe_serious(axe, page, rules=AXE_COLOUR_RULES)
        assert not violations, f"{path} (dark):\n" + "\n".join(violations)
        assert not visit.problems, f"{path}:\n" + "\n".join(visit.problems)

    def test_page_phone(self, browser, path):
        """At phone width the page itself never scrolls sideways (wide tables scroll in their own box).

        A fresh load at phone size (in the tab kept at phone size): resizing an open desktop tab instead left
        the theme's desktop layout half in place in the screenshot, which is not what a phone reader sees."""
        visit = browser.visit(path, viewport=PHONE, reuse=True)
        page = visit.page
        try:
            _assert_clean(visit, path)
            _screenshot(page, _shot(path, "phone"))
            width = page.evaluate("""() => ({scroll: document.documentElement.scrollWidth,
                                             body: document.body.scrollWidth, viewport: window.innerWidth})""")
            assert width["viewport"] == PHONE["width"], width
            if max(width["scroll"], width["body"]) > width["viewport"]:
                pytest.fail(f"{path} scrolls sideways at {PHONE['width']} px: {width}; "
                            f"what sticks out: {page.evaluate(_OVERFLOW_CULPRITS)}")
            assert not visit.problems, f"{path}:\n" + "\n".join(visit.problems)
        finally:
            visit.close()

    def test_internal_links_resolve(self, built_book, path):
        """Every local href/src exists, and every #fragment is an id in the target page (static parse)."""
        html = built_book / "html"
        broken = []
        for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src"),
                          ("iframe", "src")):
            for element in _soup(path).find_all(tag, attrs={attr: True}):
                url = element[attr].strip()
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or url in ("", "#"):
                    continue  # external (the static test in test_build bans remote assets), or a no-op anchor
                target = urljoin("/" + path, unquote(parts.path)).lstrip("/") if parts.path else path
                file = html / target
                if not file.is_file() or not file.resolve().is_relative_to(html.resolve()):
                    broken.append(f"<{tag} {attr}={url!r}>: {target} does not exist")
                elif parts.fragment and target.endswith(".html") and unquote(parts.fragment) not in _ids(target):
                    broken.append(f"<{tag} {attr}={url!r}>: no id {parts.fragment!r} in {target}")
        assert not broken, f"{path}:\n" + "\n".join(broken)

    def test_layout_at_desktop_width(self, tab, path):
        """At 1280 px nothing scrolls sideways and every table fits its column (on a laptop no reader has
        to scroll a table to reach its last column, which is often "what is true"), no code toggle or
        debug line is shown, no claim id wraps, and no verdict count is parted from its badge."""
        _, visit = tab
        page = visit.page
        page.evaluate("window.scrollTo(0, 0)")
        width = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, viewport: window.innerWidth})")
        assert width["scroll"] <= width["viewport"], f"{path} scrolls sideways at 1280 px: {page.evaluate(_OVERFLOW_CULPRITS)}"
        wide_tables = page.evaluate(_WIDE_TABLES)
        assert not wide_tables, f"{path}: tables that need a sideways scroll bar at 1280 px: {wide_tables}"
        text = page.inner_text("article") if page.locator("article").count() else ""
        assert "Show code cell" not in text and "Hide code cell" not in text, f"{path} shows code toggles"
        assert not re.search(r"\d+ claims, \d+ checked, \d+ words|\d{3}_[0-9a-f]{16}: ", text), f"{path} shows a debug line"
        wrapped = page.evaluate("""() => [...document.querySelectorAll('.claim-id')].filter(e => e.getClientRects().length > 1)
            .map(e => e.textContent).slice(0, 5)""")
        assert not wrapped, f"{path}: claim ids wrapped over two lines: {wrapped}"
        split = page.evaluate(_SPLIT_COUNTS)
        assert not split, f"{path}: verdict counts (or their separators) on another line than their badge: {split}"
        if "/source_" in path:  # a reader meets the bottom line without scrolling
            top = page.evaluate("() => { const b = document.querySelector('.verdict-box'); return b ? b.getBoundingClientRect().top : null; }")
            assert top is not None, f"{path} has no verdict box"
            assert top < DESKTOP["height"] - 150, f"{path}: the verdict box starts at {top:.0f} px, below the first screen"
            # ... and the first screen holds the verdict counts and the first error with its truth, not only the box's top.
            bottoms = page.evaluate("""() => { const box = document.querySelector('.verdict-box');
                const last = (sel) => { const all = box.querySelectorAll(sel); return all.length ? all[all.length - 1].getBoundingClientRect().bottom : null; };
                const first = box.querySelector('li');
                return {counts: last('.verdict-count'), firstError: first ? first.getBoundingClientRect().bottom : null}; }""")
            for what, bottom in bottoms.items():
                assert bottom is not None and bottom <= DESKTOP["height"], f"{path}: {what} ends at {bottom} px, below the first screen"


def _page_classes() -> None:
    """One test class per page, ``TestPage01`` ... in toc order (see the module docstring)."""
    for number, page in enumerate(PAGES, start=1):
        name = f"TestPage{number:02d}"
        globals()[name] = type(name, (_PageChecks,), {"PAGES": [page], "__doc__": f"The checks of {page}."})


_page_classes()


def test_dark_mode_from_local_storage(browser):
    """A reader's stored choice (localStorage ``mode`` = dark) gives the dark theme on a fresh load."""
    path = BOOK_PAGES[0]
    visit = browser.visit(path, mode="dark")
    try:
        _assert_clean(visit, path)
        assert visit.page.evaluate("document.documentElement.dataset.theme") == "dark"
        _assert_dark(visit.page, path)
    finally:
        visit.page.close()


# Tables wider than their box (their caption, or their first words): at phone width such a table scrolls in
# its box, at desktop width it must not.
_WIDE_TABLES = """() => [...document.querySelectorAll('article table')].filter(t => {
    const box = t.closest('.pst-scrollable-table-container, .table-wrapper, .datatable-container') || t.parentElement;
    return t.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1;
}).map(t => (t.querySelector('caption') || t).innerText.slice(0, 80))"""

# Elements, and text runs (a long URL is a text node), reaching past the viewport outside any box
# that scrolls or clips on its own.
_OVERFLOW_CULPRITS = """() => {
    const vw = window.innerWidth, out = [];
    const contained = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode()) && out.length < 10;) {
        const range = document.createRange(); range.selectNodeContents(node);
        const right = Math.max(0, ...[...range.getClientRects()].map(r => r.right));
        if (right > vw + 1 && !contained(node.parentElement))
            out.push(`text in ${name(node.parentElement)} to x=${Math.round(right)}: ${node.textContent.trim().slice(0, 60)}`);
    }
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (out.length < 20 && r.right > vw + 1 && r.width > 0 && !contained(el)) out.push(`${name(el)} to x=${Math.round(r.right)}`);
    }
    return out;
}"""


@pytest.mark.parametrize("query", SEARCH_QUERIES)
def test_search_finds_the_pages(browser, query):
    """Sphinx's own search (search.html?q=...) lists a page whose text really contains the term."""
    expected = {p for p in BOOK_PAGES if query.lower() in _article_text(p).lower()}
    assert expected, f"{query!r} occurs in no page's article text: pick a real term"
    visit = browser.visit(f"search.html?q={query}")
    page = visit.page
    try:
        page.wait_for_function("() => (document.querySelector('#search-results p.search-summary') || {})"
                               ".innerText", timeout=30_000)
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
        found = {urlsplit(h).path.lstrip("/") for h in hrefs}
        assert found, f"search for {query!r} found nothing (the term is in {sorted(expected)})"
        assert found <= set(PAGES), f"search for {query!r} lists unknown pages: {sorted(found - set(PAGES))}"
        assert found & expected, f"search for {query!r} found {sorted(found)}, none of {sorted(expected)}"
        _assert_clean(visit, "search.html")
    finally:
        page.close()


def test_the_guards_can_fail(browser):
    """Negative control: on a page made to break the rules, the request guard, the phone-width check and
    the wide-table check do report it (so their silence on the book means something)."""
    visit = browser.visit("genindex.html", viewport=PHONE)
    page = visit.page
    blocked_before = len(browser.blocked)
    try:
        page.set_content('<p>x</p><img alt="remote" src="http://example.org/pixel.png">'
                         '<p>' + "w" * 200 + '</p><article><div class="table-wrapper" style="overflow-x: auto">'
                         '<table><caption>too wide</caption><tr><td>' + "v" * 120 + '</td></tr></table></div></article>')
        page.wait_for_load_state("load")
        assert any("example.org" in url for url in visit.requests)
        assert any("example.org" in url for url in browser.blocked[blocked_before:])
        assert page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]
        assert any("www" in culprit for culprit in page.evaluate(_OVERFLOW_CULPRITS))
        assert page.evaluate(_WIDE_TABLES) == ["too wide"]
    finally:
        del browser.blocked[blocked_before:]  # planted on purpose; test_nothing_left_the_machine checks the rest
        page.close()


def test_axe_reports_what_it_finds(browser, axe):
    """Negative control for the accessibility checks: on a page made to fail them, ``_axe_serious`` reports
    each serious violation with the nodes it found (the selectors come from a second run), and the colour
    rules alone report only the colour problem."""
    visit = browser.visit("genindex.html")
    page = visit.page
    try:
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<p id="faint" style="color: #999; background: #aaa">faint text</p>'
                         '<img id="bare" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>')
        found = _axe_serious(axe, page)
        assert any(f.startswith("color-contrast (serious)") and "#faint" in f for f in found), found
        assert any(f.startswith("image-alt (critical)") and "#bare" in f for f in found), found
        colours = _axe_serious(axe, page, rules=AXE_COLOUR_RULES)
        assert len(colours) == 1 and colours[0].startswith("color-contrast"), colours
    finally:
        page.close()


# ---------------------------------------------------------------------- claims: anchors, links, verdicts

CLAIM_ID = re.compile(r"^S\d{3}-\d{2}$")
CLAIM_TEXT = re.compile(r"\bS\d{3}-\d{2}\b")


def _claim_ids() -> tuple[set[str], set[str]]:
    import csv

    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        current = {row["claim_id"] for row in csv.DictReader(handle)}
    with open(ROOT / "data" / "corrections.csv", encoding="utf-8", newline="") as handle:
        retired = {row["claim_id"] for row in csv.DictReader(handle) if row["change"] == "retired"}
    return current, retired


def test_every_claim_id_has_exactly_one_anchor(built_book):
    """Every current and every retired id is the id of exactly one element in the whole book."""
    current, retired = _claim_ids()
    anchors: dict[str, list[str]] = {}
    for path in BOOK_PAGES:
        for element in _soup(path).find_all(id=CLAIM_ID):
            anchors.setdefault(element["id"], []).append(path)
    assert set(anchors) == current | retired, sorted((current | retired) ^ set(anchors))[:10]
    doubled = {k: v for k, v in anchors.items() if len(v) > 1}
    assert not doubled, f"claim ids anchored more than once: {doubled}"


def test_every_claim_mention_is_a_link_to_its_card(built_book):
    """In every page's article, a claim id is either a link to that claim's card or the card's own
    header; never plain text (the card's target is checked by test_internal_links_resolve)."""
    problems = []
    for path in BOOK_PAGES:
        article = _soup(path).find("article") or _soup(path).find("main")
        for text in article.find_all(string=CLAIM_TEXT):
            if text.find_parent("script") or text.find_parent(class_="claim-card") and \
                    text.find_parent("strong") and text.find_parent("p") is text.find_parent(class_="claim-card").find("p"):
                continue
            link = text.find_parent("a")
            if link is None:
                problems.append(f"{path}: plain text {text.strip()[:60]!r}")
                continue
            ids = set(CLAIM_TEXT.findall(text))
            target = urlsplit(link.get("href", "")).fragment
            if link.get("href", "").startswith("#text-") or "claim-back" in link.get("class", []):
                continue
            if target not in ids:
                problems.append(f"{path}: {sorted(ids)} links to #{target}")
    assert not problems, "\n".join(problems[:20])


def test_badges_show_the_ledger_verdicts(built_book):
    """The badge beside each card id on the story pages is the one the ledger gives that claim."""
    import csv

    from stemreport import vocab

    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        verdicts = {row["claim_id"]: row["verdict"] for row in csv.DictReader(handle)}
    for path in [p for p in BOOK_PAGES if "/source_" in p]:
        for card in _soup(path).select("div.claim-card"):
            claim_id = card["id"]
            if claim_id in verdicts:
                badge = card.select_one(".verdict-badge span")
                assert badge and vocab.verdict(verdicts[claim_id]).label in badge.text, (path, claim_id)


def test_all_claims_filters_narrow_the_table(browser):
    """The all-claims page's filters work in a real browser, to the counts the ledger gives."""
    import csv

    from stemreport import vocab

    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as handle:
        claims = list(csv.DictReader(handle))
    visit = browser.visit("book/all_claims.html")
    page = visit.page
    try:
        page.wait_for_function("() => document.documentElement.dataset.claimsTable === 'ready'", timeout=30_000)
        rows = lambda: page.locator("table.all-claims tbody tr:not(.datatable-empty)").count()  # noqa: E731
        assert rows() == len(claims)
        label = vocab.VERDICT["contradicted"].label
        page.select_option("select[name='filter-verdict']", label)
        assert rows() == sum(c["verdict"] == "contradicted" for c in claims)
        from stemreport import data

        s004 = data.source_of("S004")
        page.select_option("select[name='filter-story']", f"S004, {data.source_row(s004).short_title}")
        assert rows() == sum(c["verdict"] == "contradicted" and c["claim_id"].startswith("S004") for c in claims)
        page.select_option("select[name='filter-verdict']", "")
        page.select_option("select[name='filter-story']", "")
        page.fill("input.datatable-input", "Ryoncil")
        assert 0 < rows() < len(claims)
        _screenshot(page, _shot("book/all_claims", "filtered"))
        _assert_clean(visit, "book/all_claims.html")
    finally:
        page.close()


def test_a_first_visit_is_clean(browser):
    """A reader's first visit, in a browser that has never seen the book (a new context: nothing in
    localStorage, no icon cached), so the theme starts from its default. No console error (the theme once
    logged 'Got invalid theme mode'), no failed request (the root redirect page once had no icon, and the
    browser's own /favicon.ico got a 404)."""
    # The root address first: the redirect page is what a first visit opens.
    for path in ("index.html", BOOK_PAGES[0], "book/all_claims.html"):  # the theme's start-up is the same on every page
        fresh = browser.fresh()
        try:
            visit = fresh.visit(path, preset=False, settle=False)
            if path == "index.html":
                visit.page.wait_for_url(re.compile(re.escape(BOOK_PAGES[0]) + "$"))
            visit.page.wait_for_load_state("networkidle")  # the favicon is requested after "load"
            mode = visit.page.evaluate("() => [document.documentElement.dataset.mode, document.documentElement.dataset.defaultMode]")
            assert mode[0] == (mode[1] or "auto"), f"{path}: the first visit started in mode {mode[0]!r}, not the default"
            _assert_clean(visit, path)
            assert visit.page.locator("link[rel~='icon']").count() >= 1, f"{path} declares no favicon"
            assert not fresh.blocked, f"{path}: requests outside localhost: {fresh.blocked}"
        finally:
            fresh.context.close()


def test_search_works_from_files(browser, built_book):
    """Opened from file:// (no server), search lists pages with summaries and logs no error."""
    page = browser.context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto((built_book / "html" / "search.html").as_uri() + "?q=Ryoncil", wait_until="load")
        page.wait_for_function("() => (document.querySelector('#search-results p.search-summary') || {}).innerText",
                               timeout=30_000)
        page.wait_for_timeout(500)
        results = page.eval_on_selector_all("#search-results ul.search li", "ls => ls.map(l => l.innerText)")
        assert results, "no results from file://"
        assert any("Ryoncil" in r and len(r) > 60 for r in results), f"no summaries: {results[:3]}"
        _screenshot(page, SCREENSHOTS / "search-file-desktop.png")
        assert not problems, problems
    finally:
        page.close()


def test_nothing_left_the_machine(browser):
    """Across the whole session (runs last in this module): no request was blocked."""
    assert not browser.blocked, f"requests to outside hosts were blocked: {sorted(set(browser.blocked))[:20]}"
