"""What the PDF renderer may load: its own assets, never the network.

WeasyPrint fetches every URL it meets in the document (images, stylesheets, fonts). A report
holds text her care team or she typed, so a URL in it must not make the server call out (or read
its own files). `AssetsOnlyFetcher` serves `data:` URLs, the report's own charts (JPEG bytes
handed to it under `bonewise-chart:` URLs, so the HTML does not carry hundreds of kilobytes of
base64 for WeasyPrint's HTML parser to read character by character) and `file:` URLs inside
the bonewise package and the DejaVu font folders; anything else is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    pass


CHART_SCHEME = "bonewise-chart"


def chart_url(name: str) -> str:
    """The URL under which a report's chart `name` is handed to the fetcher."""
    return f"{CHART_SCHEME}:{name}.jpg"


class AssetsOnlyFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, folders: Iterable[Path], charts: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=5)
        self.folders = tuple(folder.resolve() for folder in folders)
        self.charts = dict(charts or {})  # chart_url(name) -> JPEG bytes

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url in self.charts:
            return URLFetcherResponse(
                url, body=self.charts[url], headers={"Content-Type": "image/jpeg"}
            )
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.folders) and path.is_file():
                return super().fetch(path.as_uri(), headers)
        raise RefusedURL(f"a report loads only its own assets, not {url[:80]!r}")


def package_assets(
    font_folders: Iterable[Path], charts: Mapping[str, bytes] | None = None
) -> AssetsOnlyFetcher:
    """The fetcher for reports: the bonewise package itself, the font folders and the
    report's `charts` (chart_url(name) -> JPEG bytes)."""
    package = Path(str(resources.files("bonewise")))
    return AssetsOnlyFetcher((package, *font_folders), charts)


# No space: CSS swallows one whitespace after a hex escape, so spaces are escaped too.
_CSS_SAFE = re.compile(r"[A-Za-z0-9_.\-]")


def css_string(value: object) -> str:
    """`value` for the inside of a double-quoted CSS string: every character that is not a
    letter, digit, dot, dash or underscore becomes a CSS hex escape, so no value can
    end the string, the rule or the <style> element it sits in."""
    return "".join(ch if _CSS_SAFE.fullmatch(ch) else f"\\{ord(ch):06x}" for ch in str(value))
