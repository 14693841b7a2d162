"""mkdocs hooks (``hooks:`` in ``mkdocs.yml``): what the site generates from the repository.

* ``on_config``: lays out the package for griffe (``package_tree``), points mkdocstrings
  at it, and fills the navigation: the "API reference" section with one entry per
  namespace page, sub-namespaces nested under their parent (``zenax.numpy`` >
  ``zenax.numpy.fft``), and the "Examples" section with the stored notebooks.
* ``on_files``: adds the generated pages: the API reference (``docs/gen_api.py`` writes
  their Markdown) and a page for each source file a page links to as
  ``source/<path>.md`` (the file, highlighted, so "inside zenax" can point into the code).
* ``on_page_markdown``: fills a page's ``<!-- name -->`` markers from their one source
  of truth: ``<!-- readme: Section -->`` with that section of the README (``intro``: the
  text before the first section), ``<!-- api-coverage -->`` and ``<!-- api-scope -->``
  from ``tests/test_api_parity.py``'s name lists, ``<!-- client-reports -->`` with the
  reports in ``tests/clients/``, ``<!-- examples -->`` and ``<!-- api-index -->`` with
  the list of examples and the table of the reference's pages.
* ``on_post_build`` (and ``on_build_error``): removes the package tree.
"""
from __future__ import annotations

import json
import pathlib
import re
import shutil
import sys
import tempfile
import tomllib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_api  # noqa: E402  (this folder, shared with the griffe extension and the tests)
from mkdocs.plugins import event_priority  # noqa: E402

_state: dict[str, str] = {}
ROOT = gen_api.ROOT
DOCS = ROOT / "docs"
_MARKER = re.compile(r"<!-- ([a-z-]+)(?:: (.+?))? -->")
_SOURCE_LINK = re.compile(r"\]\(source/([\w/.-]+\.py)\.md\)")


def package_tree() -> str:
    """A temporary folder whose ``zenax/`` links to the public layer's files and to the
    folders ``pyproject.toml`` maps into the package (``zenax.lax`` = ``lax/``, ...), so
    that griffe, which finds submodules by walking folders, finds them where Python does."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="zenax-docs-"))
    package = folder / "zenax"
    package.mkdir()
    for entry in gen_api.PUBLIC_LAYER.iterdir():
        (package / entry.name).symlink_to(entry)
    pyproject = tomllib.loads((gen_api.ROOT / "pyproject.toml").read_text())
    for name, source in pyproject["tool"]["setuptools"]["package-dir"].items():
        if name != "zenax":
            (package / name.split(".", 1)[1]).symlink_to(gen_api.ROOT / source)
    return str(folder)


def _parent(page: str, pages: list[str]) -> str | None:
    above = [p for p in pages if page.startswith(p + ".") and p != "zenax"]
    return max(above, key=len) if above else None


def reference_nav() -> list:
    """The navigation entries of the reference: ROOTS first, each with its sub-namespace
    pages nested under it, then zenax's other namespaces in one section."""
    pages = list(gen_api.pages())

    def entry(page: str):
        children = [p for p in pages if _parent(p, pages) == page]
        if not children:
            return {page: gen_api.page_uri(page)}
        return {page: [{page: gen_api.page_uri(page)}] + [entry(c) for c in children]}

    top = [p for p in pages if _parent(p, pages) is None]
    return ([entry(p) for p in top if p in gen_api.ROOTS]
            + [{"Other namespaces": [entry(p) for p in top if p not in gen_api.ROOTS]}])


# The examples in reading order (first the basics, then models); others follow by name.
READING_ORDER = ["grad_basics", "inside_the_tracer", "forward_vs_reverse", "training_digits",
                 "rnn_sequence", "gpt_finetune", "gaussian_process"]


def notebooks() -> list[pathlib.Path]:
    """The stored notebooks, in reading order."""
    def key(path):
        known = path.stem in READING_ORDER
        return (not known, READING_ORDER.index(path.stem) if known else 0, path.stem)
    return sorted((DOCS / "examples").glob("*.ipynb"), key=key)


@event_priority(100)   # before mkdocstrings' on_config, which creates the Python handler
def on_config(config):
    _state["tree"] = package_tree()
    python = config.plugins["mkdocstrings"].config.handlers.setdefault("python", {})
    python["paths"] = [_state["tree"]]
    for item in config.nav:
        if isinstance(item, dict) and "API reference" in item:
            item["API reference"] = item["API reference"][:1] + reference_nav()
        if isinstance(item, dict) and "Examples" in item:
            item["Examples"] = item["Examples"][:1] + [
                f"examples/{nb.name}" for nb in notebooks()]
    return config


def on_files(files, config):
    from mkdocs.structure.files import File
    for page in gen_api.pages():
        files.append(File.generated(config, gen_api.page_uri(page),
                                    content=gen_api.page_markdown(page)))
    linked = {path for page in DOCS.rglob("*.md")
              for path in _SOURCE_LINK.findall(page.read_text())}
    for path in sorted(linked):
        if (ROOT / path).is_file():   # a link to anything else is left to fail the build
            files.append(File.generated(config, f"source/{path}.md", content=source_page(path)))
    return files


def source_page(path: str) -> str:
    code = (ROOT / path).read_text()
    return f"# `{path}`\n\n````python linenums=\"1\"\n{code}````\n"


# ---- the markers a page's Markdown may hold ---------------------------------------------

def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    if title == "intro":
        return text.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise ValueError(f"README.md has no section '## {title}'")
    return match.group(1).strip()


def _api_parity():
    import importlib.util
    spec = importlib.util.spec_from_file_location("api_parity",
                                                  ROOT / "tests" / "test_api_parity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def api_scope() -> str:
    rows = ["| JAX name | why zenax leaves it out |", "| --- | --- |"]
    for namespace, entries in _api_parity().SCOPE.items():
        rows += [f"| `{namespace}.{name}` | {reason} |" for name, reason in entries.items()]
    return "\n".join(rows)


def client_reports() -> str:
    parts = []
    for report in sorted((ROOT / "tests" / "clients").glob("*.md")):
        parts.append(re.sub(r"^#", "####", report.read_text().strip(), flags=re.M))
    return "\n\n".join(parts) or "No report has been generated yet."


def examples_list() -> str:
    """A link to each stored notebook, under its own title (its first heading)."""
    items = []
    for nb in notebooks():
        cells = json.loads(nb.read_text())["cells"]
        first = "".join(cells[0]["source"]) if cells else ""
        title = first.split("\n", 1)[0].lstrip("# ").strip() or nb.stem
        items.append(f"- [{title}]({nb.name}) (`examples/{nb.name}`)")
    return "\n".join(items)


def api_index() -> str:
    rows = ["| namespace | names | what it is |", "| --- | ---: | --- |"]
    for page, namespaces in gen_api.pages().items():
        count = sum(len(gen_api.namespaces()[n]) for n in namespaces)
        rows.append(f"| [`{page}`]({page}.md) | {count} | {gen_api.summary(page)} |")
    return "\n".join(rows)


def _fill(match: re.Match) -> str:
    name, arg = match.group(1), match.group(2)
    fillers = {"readme": lambda: readme_section(arg), "api-coverage":
               lambda: _api_parity().coverage_table(), "api-scope": api_scope,
               "client-reports": client_reports, "examples": examples_list,
               "api-index": api_index}
    if name not in fillers:
        return match.group(0)
    return fillers[name]()


def on_page_markdown(markdown, page, config, files):
    return _MARKER.sub(_fill, markdown)


def on_post_build(config):
    if "tree" in _state:
        shutil.rmtree(_state.pop("tree"), ignore_errors=True)


def on_build_error(error):
    on_post_build(None)
