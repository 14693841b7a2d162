"""The documentation site: it builds with ``mkdocs build --strict`` (a warning fails it),
its API reference has an entry for every public name, its pages render in a browser, its
stored notebooks are those of ``examples/``, and the code on its pages runs.

The site is built once per test run, into a temporary folder (under xdist, the first
worker to need it builds it and the others wait for it), and the build's time is printed.
The browser test drives Debian's ``chromium`` (``apt-get install chromium``; CI's
``.ci/run`` installs it): headless, its ``--dump-dom`` gives each page's DOM after its
scripts ran, and ``--screenshot`` what it draws.
"""
from __future__ import annotations

import ast
import base64
import fcntl
import functools
import http.server
import importlib
import json
import os
import pathlib
import pkgutil
import re
import shutil
import subprocess
import sys
import threading
import time
import types
import zlib

import nbformat
import numpy as np
import pytest

pytestmark = pytest.mark.slow   # end to end: builds the whole site

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import gen_api  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


# --------------------------------------------------------------------------- the build

def _build_folder(tmp_path_factory) -> pathlib.Path:
    """A folder all workers of this run share (one build per run), or a private one."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        return tmp_path_factory.mktemp("docs")
    folder = tmp_path_factory.getbasetemp().parent / f"docs-site-{run}"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> pathlib.Path:
    folder = _build_folder(tmp_path_factory)
    result_file = folder / "build.json"
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result_file.exists():
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                 str(folder / "site")], cwd=ROOT, capture_output=True, text=True,
                timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
            result_file.write_text(json.dumps({
                "returncode": proc.returncode, "seconds": time.perf_counter() - start,
                "output": proc.stdout + proc.stderr}))
    result = json.loads(result_file.read_text())
    assert result["returncode"] == 0, (
        "`mkdocs build --strict` failed (a warning fails the build):\n" + result["output"])
    print(f"\nmkdocs build --strict: {result['seconds']:.1f} s")
    return folder / "site"


def test_site_builds_strict(site):
    pages = list(site.rglob("index.html"))
    assert (site / "index.html").is_file() and (site / "objects.inv").is_file()
    names = {p.parent.relative_to(site).as_posix() for p in pages}
    for expected in ("getting-started", "tour", "examples", "for-jax-users",
                     "inside-zenax", "api", "api/zenax.numpy", "api/zenax.lax"):
        assert expected in names, f"no page {expected}/ in the built site"
    print(f"{len(pages)} pages")


# --------------------------------------------------------------------------- the reference

def inventory(site: pathlib.Path) -> set[str]:
    """The object names of the site's Sphinx inventory (objects.inv, version 2: four
    header lines, then zlib-compressed lines ``name domain:role priority uri dispname``)."""
    header, _, body = (site / "objects.inv").read_bytes().partition(b"zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2"), header[:60]
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines()
            if line}


def _parity_namespaces() -> list[str]:
    """The JAX namespaces tests/test_api_parity.py compares, read from its source."""
    tree = ast.parse((ROOT / "tests" / "test_api_parity.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "NAMESPACES":
            return list(ast.literal_eval(node.value))
    raise AssertionError("tests/test_api_parity.py has no NAMESPACES")


def test_reference_covers_every_public_name(site):
    documented = gen_api.namespaces()
    entries = inventory(site)
    missing = sorted(f"{ns}.{name}" for ns, names in documented.items() for name in names
                     if f"{ns}.{name}" not in entries)
    assert not missing, f"{len(missing)} public names have no entry: {missing[:40]}"
    print(f"{sum(map(len, documented.values()))} names in {len(documented)} namespaces, "
          f"{len(entries)} inventory entries")


def test_reference_covers_every_public_namespace():
    documented = gen_api.namespaces()
    # every namespace whose names the API parity test compares with JAX's
    mirrors = ["zenax" + ns[len("jax"):] for ns in _parity_namespaces()]
    assert not set(mirrors) - set(documented), set(mirrors) - set(documented)
    # every module of the public layer (zenax/), unless listed as internal with a reason
    layer = {f"zenax.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "zenax")])}
    assert not layer - set(documented) - set(gen_api.INTERNAL), (
        layer - set(documented) - set(gen_api.INTERNAL))
    # every submodule JAX has in a mirrored namespace, where zenax has it too
    for namespace in mirrors:
        theirs = importlib.import_module("jax" + namespace[len("zenax"):])
        ours = gen_api.resolve(namespace)
        for name in dir(theirs):
            if (not name.startswith("_") and isinstance(getattr(theirs, name), types.ModuleType)
                    and isinstance(getattr(ours, name, None), types.ModuleType)):
                assert f"{namespace}.{name}" in documented, f"{namespace}.{name}"


# --------------------------------------------------------------------------- the browser

def _chromium() -> str:
    path = shutil.which("chromium")
    assert path, ("the browser test needs Debian's chromium: apt-get install -y chromium "
                  "(CI's .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chromium(tmp_path, *args) -> str:
    proc = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}",
                           *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _check_page(dom: str, title: str) -> None:
    assert re.search(rf"<title>[^<]*{re.escape(title)}[^<]*</title>", dom), (
        f"title {title!r} not found")
    start, end = dom.find('class="md-nav md-nav--primary"'), dom.find('class="md-content"')
    assert 0 <= start < end, "no navigation beside the content"
    links = re.findall(r'class="md-nav__link[^"]*"[^>]*>(.*?)</', dom[start:end], re.S)
    titles = {" ".join(re.sub(r"<[^>]+>", " ", t).split()) for t in links}
    for section in ("Getting started", "Examples", "API reference", "zenax.numpy"):
        assert section in titles, f"the navigation lacks {section!r}: {sorted(titles)[:20]}"
    assert re.search(r'<div class="highlight[^"]*"[^>]*>\s*<pre', dom), "no code block"


def test_pages_render_in_chromium(served, tmp_path):
    dom = chromium(tmp_path / "a", "--dump-dom", f"{served}/inside-zenax/")
    _check_page(dom, "Inside zenax")
    assert "cube_p" in dom and "api/zenax.lax/" in dom

    page = f"{served}/examples/grad_basics/"
    dom = chromium(tmp_path / "b", "--dump-dom", page)
    _check_page(dom, "Gradients in zenax")
    plots = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', dom)
    assert plots, "no plot image on the notebook page"
    width, height = _png_size(base64.b64decode(plots[0]))
    assert width > 100 and height > 100, (width, height)

    shot = tmp_path / "page.png"
    chromium(tmp_path / "c", f"--screenshot={shot}", "--window-size=1280,900",
             "--hide-scrollbars", page)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (900, 1280), pixels.shape
    # drawn: text and colours, not one blank colour
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50


# --------------------------------------------------------------------------- the sources

def _cells(nb) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


@pytest.mark.all_cases   # cheap, and each case is a different notebook
@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "examples").glob("*.ipynb")))
def test_stored_notebook_matches_example(name):
    source = nbformat.read(ROOT / "examples" / f"{name}.ipynb", as_version=4)
    stored_path = DOCS / "examples" / f"{name}.ipynb"
    fix = f"run `python docs/gen_notebooks.py {name}` to store its executed copy"
    assert stored_path.exists(), f"examples/{name}.ipynb is not on the site: {fix}"
    stored = nbformat.read(stored_path, as_version=4)
    assert _cells(stored) == _cells(source), f"docs/examples/{name}.ipynb is stale: {fix}"
    outputs = [o for c in stored.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not any(o.output_type == "error" for o in outputs), (
        f"docs/examples/{name}.ipynb has no outputs or an error: {fix}")


def test_every_stored_notebook_has_its_example():
    stored = {p.stem for p in (DOCS / "examples").glob("*.ipynb")}
    examples = {p.stem for p in (ROOT / "examples").glob("*.ipynb")}
    assert stored <= examples, f"no examples/ notebook for {sorted(stored - examples)}"


@pytest.mark.all_cases
@pytest.mark.parametrize("page", ["inside-zenax.md", "getting-started.md"])
def test_page_code_runs(page, capsys):
    """The Python blocks of the pages that promise runnable code run, in order, in one
    namespace; their ``pycon`` blocks are checked as doctests."""
    import doctest
    text = (DOCS / page).read_text()
    namespace: dict = {"__name__": f"docs_{page}"}
    for block in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S):
        exec(compile(block, page, "exec"), namespace)
    for block in re.findall(r"^```pycon\n(.*?)^```", text, re.M | re.S):
        test = doctest.DocTestParser().get_doctest(block, {}, page, page, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, capsys.readouterr().out
