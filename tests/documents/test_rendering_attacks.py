"""A template cannot make the server fetch a URL, read a file or escape Jinja's sandbox; archive
keys cannot leave the archive folder."""

from __future__ import annotations

import pytest
from documents_support import catalog

from core.documents.archive import FolderStore
from core.documents.pdf import TemplateError, render_pdf
from core.documents.templating import render_source

REFUSED_HTML = [
    "<img src='http://127.0.0.1:9/x.png'>",
    "<img src='https://example.org/logo.png'>",
    "<img src='file:///etc/passwd'>",
    "<link rel=stylesheet href='file:///etc/passwd'>",
    "<style>@import url(http://127.0.0.1:9/a.css);</style><p>x</p>",
    "<p style=\"background: url('file:///etc/hostname')\">x</p>",
    "<object data='file:///etc/passwd'></object>",
    "<a href='x' rel=attachment>x</a><link rel=attachment href='file:///etc/passwd'>",
    "<img src='sceau:../../etc/passwd'>",
]


@pytest.mark.parametrize("html", REFUSED_HTML)
def test_a_template_naming_another_url_is_refused(html: str) -> None:
    with pytest.raises(TemplateError):
        render_pdf(html)


@pytest.mark.parametrize(
    "css", ["@import url(file:///etc/passwd);", "body { background: url(http://127.0.0.1:9/) }"]
)
def test_a_stylesheet_naming_another_url_is_refused(css: str) -> None:
    with pytest.raises(TemplateError):
        render_pdf("<p>x</p>", stylesheets=[css])


def test_data_uris_and_the_fonts_are_allowed() -> None:
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAA"
        "AgABSK+kcQAAAABJRU5ErkJggg=="
    )
    pdf = render_pdf(f"<p style='font-family: \"Sceau Serif\"'>é<img src='{pixel}'></p>")
    assert pdf.startswith(b"%PDF-")
    page = catalog(pdf)["/Pages"]["/Kids"][0].get_object()
    fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    assert any(name.endswith("+Sceau-Serif") for name in fonts), fonts  # ours, embedded
    images = [x.get_object()["/Subtype"] for x in page["/Resources"]["/XObject"].values()]
    assert images == ["/Image"]


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ labels.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{% set x = labels.update({'a': 1}) %}",
    ],
)
def test_the_sandbox_refuses_python_internals(source: str) -> None:
    with pytest.raises(TemplateError):
        render_source(source, {"labels": {"title": "x"}}, "HTML template")


def test_a_syntax_error_says_where() -> None:
    with pytest.raises(TemplateError, match="line 2"):
        render_source("ok\n{% if %}", {}, "HTML template")


def test_output_is_autoescaped() -> None:
    assert render_source("{{ name }}", {"name": "<script>"}, "t") == "&lt;script&gt;"


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../x", "A/B", "a//b", ""])
def test_archive_keys_stay_inside_the_folder(tmp_path, key: str) -> None:
    store = FolderStore(tmp_path / "archive")
    with pytest.raises(ValueError, match="not an archive key"):
        store.put(key, b"x")


def test_a_template_cannot_attach_files_of_its_own() -> None:
    """Found by the red team: `<a rel=attachment>` put another body's genuine credential.json
    beside ours in a sealed PDF."""
    for html in (
        "<a rel=attachment download=credential.json href='data:application/json,{}'>x</a>",
        "<link rel=attachment href='data:application/json,{}'><p>x</p>",
    ):
        with pytest.raises(TemplateError, match="may not attach"):
            render_pdf(html)
