"""Every package file stays small enough to read in one sitting (DESIGN.md §9).

A module that grows past the limit is split along its ideas (as ``lax/random/`` was), not
trimmed of comments.  Tests, benchmarks and examples are not package code and are not
checked.
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("tracer", "lax", "transforms", "models", "zenax")
MAX_LINES = 800


def test_no_package_file_over_the_limit():
    too_long = []
    for folder in PACKAGE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            n = len(path.read_text().splitlines())
            if n > MAX_LINES:
                too_long.append(f"{path.relative_to(ROOT)}: {n} lines")
    assert not too_long, (f"package files over {MAX_LINES} lines (split them along their "
                          "ideas):\n" + "\n".join(too_long))


def test_the_check_sees_every_package_folder():
    for folder in PACKAGE_FOLDERS:
        assert list((ROOT / folder).rglob("*.py")), folder


def test_every_package_folder_is_in_the_distribution():
    """pyproject.toml lists the packages by hand (the folders map to ``zenax.*`` names):
    a subpackage missing there works in an editable install and is absent from a wheel."""
    import tomllib
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, package_dir = set(setuptools["packages"]), setuptools["package-dir"]
    found = set()
    for name, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name,) + rel))
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - found == set(), "these packages have no folder"
