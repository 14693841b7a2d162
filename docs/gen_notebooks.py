"""Execute the example notebooks and store the executed copies the site renders.

The site shows each notebook of ``examples/`` with its outputs (printed jaxprs, timings,
plots), but the build never runs a kernel: it must stay fast, and the test suite already
executes every notebook.  So the outputs are made here, once, whenever an example changes:

    .venv/bin/python docs/gen_notebooks.py                 # every notebook
    .venv/bin/python docs/gen_notebooks.py grad_basics     # one of them

Each notebook runs from ``examples/`` (as the tests run it) and is written to
``docs/examples/<name>.ipynb`` with its outputs and without run timestamps.
``tests/test_docs_site.py`` fails when a copy's code or text no longer matches its source
in ``examples/``, naming this script.
"""
from __future__ import annotations

import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES, OUT = ROOT / "examples", ROOT / "docs" / "examples"


def execute(name: str) -> nbformat.NotebookNode:
    """Run ``examples/<name>.ipynb`` top to bottom and return it with its outputs."""
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    for cell in nb.cells:               # run timestamps would change on every run
        cell.metadata.pop("execution", None)
    return nb


def main(names: list[str]) -> None:
    os.environ.pop("ZENAX_EXAMPLES_SMALL", None)   # the full-size run a reader would do
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or sorted(p.stem for p in EXAMPLES.glob("*.ipynb")):
        start = time.perf_counter()
        nbformat.write(execute(name), OUT / f"{name}.ipynb")
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
