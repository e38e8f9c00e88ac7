"""Checking a certificate template before use: rendered in a child process with a time and
memory limit, refused with a message staff understand, its first page returned as a PNG.

Jinja's sandbox stops a template from reaching Python, and the renderer fetches no URL, but a
template can still spend CPU and memory without limit (nested loops, thousands of pages): the
check runs where that costs a child process, never the web worker. Children fork from a
server process that has already imported the renderer (multiprocessing's "forkserver"), so a
check costs the rendering, not Python's start-up, and inherits nothing of the web worker
(database connections, threads, secrets in memory).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pypdfium2
from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core.documents.pdf import Asset, PdfAttachment, TemplateError, render_pdf
from core.documents.qr import qr_png
from core.documents.templating import MAX_SOURCE_BYTES, render_source

#: Wall-clock time a check may take, start-up of the child included.
TIMEOUT_SECONDS = 10
#: Address space of the child: a certificate renders within about 350 MB.
MEMORY_BYTES = 1024 * 1024 * 1024
#: A certificate is one sheet, printed on one or both sides.
MAX_PAGES = 2
#: Resolution of the preview, and the largest side it may have whatever the page size.
PREVIEW_DPI = 110
MAX_PREVIEW_SIDE = 1600
#: Renderer warnings (ignored CSS, unknown properties) returned with the preview.
MAX_WARNINGS = 20

TOO_SLOW = f"the template takes more than {TIMEOUT_SECONDS} s to render: simplify it"
TOO_BIG = "the template needs more memory than a certificate may use: simplify it"
BROKEN = "the renderer could not lay out this template"

_parser = ImmutableSandboxedEnvironment()


@dataclass(frozen=True)
class TemplatePreview:
    """A template that renders: its first page as a PNG, its page count, what the renderer
    ignored (CSS it does not support, for instance)."""

    png: bytes
    pages: int
    warnings: tuple[str, ...] = ()


def refuse_private_names(source: str, what: str) -> None:
    """Refuse attributes and keys starting with ``_`` (``''.__class__``): the sandbox renders
    them as nothing, so a template using them is a mistake or a probe, never a certificate."""
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise TemplateError(f"the {what} is over {MAX_SOURCE_BYTES // 1024} KiB")
    try:
        tree = _parser.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateError(f"{what}, line {error.lineno}: {error.message}") from None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name = _name_of(node)
        if name is not None and name.startswith("_"):
            raise TemplateError(
                f"{what}, line {node.lineno}: {name!r} is refused: a template may not use "
                "names that start with _"
            )


def _name_of(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if isinstance(node.arg.value, str) else None
    if isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
        first = node.args[0]
        if isinstance(first, nodes.Const) and isinstance(first.value, str):
            return first.value
    return None


def check_template(html: str, css: str, context: dict[str, Any]) -> TemplatePreview:
    """Render ``html`` and ``css`` with ``context`` as a certificate would be, in a child
    process bounded in time and memory; TemplateError says why a template is refused."""
    refuse_private_names(html, "HTML template")
    refuse_private_names(css, "CSS template")
    outcome = _in_child(_child, (html, css, context))
    if outcome[0] == "error":
        raise TemplateError(outcome[1])
    return TemplatePreview(png=outcome[1], pages=outcome[2], warnings=tuple(outcome[3]))


def render_bounded(
    html: str,
    css: str,
    context: dict[str, Any],
    *,
    assets: dict[str, Asset],
    attachments: list[PdfAttachment],
) -> bytes:
    """The PDF/A-3b of a body's template for one certificate, rendered in a child process
    with the check's limits (time, memory, pages); TemplateError says why it failed."""
    outcome = _in_child(_render_child, (html, css, context, assets, attachments))
    if outcome[0] == "error":
        raise TemplateError(outcome[1])
    return bytes(outcome[1])


def _in_child(target: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    spawner = multiprocessing.get_context("forkserver")
    spawner.set_forkserver_preload(["core.documents.template_warmup"])
    receiver, sender = spawner.Pipe(duplex=False)
    child = spawner.Process(target=target, args=(sender, *args), name="sceau-template")
    child.start()
    sender.close()
    try:
        if not receiver.poll(TIMEOUT_SECONDS):
            raise TemplateError(TOO_SLOW)
        try:
            outcome: tuple[Any, ...] = receiver.recv()
        except EOFError:  # the child died without answering
            child.join(5)
            slow = child.exitcode == -signal.SIGXCPU
            raise TemplateError(TOO_SLOW if slow else TOO_BIG) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        if child.exitcode is not None:
            child.close()
        receiver.close()
    return outcome


def _render_child(
    sender: Connection,
    html: str,
    css: str,
    context: dict[str, Any],
    assets: dict[str, Asset],
    attachments: list[PdfAttachment],
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT_SECONDS + 1, TIMEOUT_SECONDS + 2))
    try:
        pdf = render_pdf(
            render_source(html, context, "HTML template"),
            assets=assets,
            attachments=attachments,
            stylesheets=[render_source(css, context, "CSS template")],
        )
        document = pypdfium2.PdfDocument(pdf)
        pages = len(document)
        document.close()
        answer: tuple[Any, ...] = (
            ("ok", pdf)
            if pages <= MAX_PAGES
            else ("error", f"the certificate has {pages} pages, more than {MAX_PAGES}")
        )
    except TemplateError as error:
        answer = ("error", error.message)
    except MemoryError:
        answer = ("error", TOO_BIG)
    except Exception as error:
        answer = ("error", f"{BROKEN} ({type(error).__name__})")
    try:
        sender.send(answer)
    except MemoryError:
        sender.send(("error", TOO_BIG))
    sender.close()


def warm_up() -> None:
    """Set up the fonts and render a page once (in the check's server process, which has no
    thread: what it holds is safe to fork)."""
    try:
        render_pdf("<p>Sceau</p>")
    except Exception:  # a check renders anyway, only slower; it will say what fails
        logging.getLogger(__name__).exception("the template check's warm-up failed")


class _Warnings(logging.Handler):
    """Collects what the renderer ignored, for staff to see beside the preview."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.messages) < MAX_WARNINGS:
            self.messages.append(record.getMessage()[:300])


def _child(sender: Connection, html: str, css: str, context: dict[str, Any]) -> None:
    """The check's child process: limits, render, rasterize, answer once."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT_SECONDS + 1, TIMEOUT_SECONDS + 2))
    warnings = _Warnings()
    logging.getLogger("weasyprint").addHandler(warnings)
    try:
        png, pages = render_preview(html, css, context)
        answer: tuple[Any, ...] = ("ok", png, pages, warnings.messages)
    except TemplateError as error:
        answer = ("error", error.message)
    except MemoryError:
        answer = ("error", TOO_BIG)
    except Exception as error:  # a renderer's failure: its text is not for users
        answer = ("error", f"{BROKEN} ({type(error).__name__})")
    try:
        sender.send(answer)
    except MemoryError:
        sender.send(("error", TOO_BIG))
    sender.close()


def render_preview(html: str, css: str, context: dict[str, Any]) -> tuple[bytes, int]:
    """(the first page as a PNG, the page count) of a template rendered as a certificate is;
    TemplateError beyond MAX_PAGES. Runs in the check's child process."""
    url = str(context.get("certificate", {}).get("url", ""))
    pdf = render_pdf(
        render_source(html, context, "HTML template"),
        assets={"qr.png": Asset(qr_png(url), "image/png")},
        stylesheets=[render_source(css, context, "CSS template")],
    )
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = len(document)
        if pages > MAX_PAGES:
            raise TemplateError(
                f"the template makes {pages} pages: a certificate has {MAX_PAGES} at most"
            )
        page = document[0]
        width, height = page.get_size()
        scale = min(PREVIEW_DPI / 72, MAX_PREVIEW_SIDE / max(width, height, 1))
        bitmap = page.render(scale=scale)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG")
        bitmap.close()
        page.close()
    finally:
        document.close()
    return out.getvalue(), pages
