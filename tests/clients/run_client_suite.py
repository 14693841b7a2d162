"""Run a JAX library's own test suite under JAX and under zenax-as-jax, and tabulate.

    python tests/clients/run_client_suite.py optax                  # every test file
    python tests/clients/run_client_suite.py optax --files alias_test.py _schedule_test.py
    python tests/clients/run_client_suite.py optax --timeout 120 --out tests/clients/optax.md

Each test file runs twice, each time in its own pytest subprocess with a time limit: once
plainly (the real JAX) and once with ``-p zenax.as_jax`` (the library's ``import jax``
gives zenax). Results come back through ``--junitxml``. The report has, per file, the
tests that pass under JAX, those that also pass under zenax, and the failures under
zenax grouped by their root cause (the exception type and the first line of its
message), then the overall ratio: of the tests that pass under JAX, the share that pass
under zenax (the issue's target is 95% for Optax).

This is a script, not a test: the default test run does not collect it.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import fnmatch
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = pathlib.Path(__file__).resolve().parents[2]
MODES = ("jax", "zenax")


@dataclasses.dataclass
class FileResult:
    """One test file's outcome under one mode: test id -> None (passed), "skipped", or
    the root cause of its failure."""
    outcomes: dict[str, str | None]
    seconds: float
    note: str = ""  # a whole-file problem: timeout, crash, collection error

    def passed(self) -> set[str]:
        return {t for t, why in self.outcomes.items() if why is None}


# The target per library: of the tests passing under JAX, the share that must
# pass under zenax.
TARGETS = {"optax": 95, "chex": 90, "jaxtyping": 90, "flax": 80, "equinox": 80}


def test_root(library: str, tests_dir: pathlib.Path | None) -> pathlib.Path:
    """Where the test files live: inside the installed package (Optax and Chex ship their
    tests in the wheel) or ``tests_dir``, a checkout of the library's repository tests at
    the installed version."""
    if tests_dir is not None:
        return tests_dir.resolve()
    spec = importlib.util.find_spec(library)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"run_client_suite: library {library!r} is not installed")
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def library_test_files(library: str, tests_dir: pathlib.Path | None = None
                       ) -> list[pathlib.Path]:
    """The ``*_test.py`` / ``test_*.py`` files of the library's tests."""
    root = test_root(library, tests_dir)
    files = [p for p in root.rglob("*.py")
             if (p.name.endswith("_test.py") or p.name.startswith("test_"))
             and p.name not in ("test_util.py", "test_utils.py")]  # helpers, not tests
    return sorted(files, key=lambda p: str(p.relative_to(root)))


_EXC_LINE = re.compile(r"^E\s+((?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt"
                       r"|Warning|Failure|Failed)\b.*)$")


def root_cause(message: str | None, text: str | None) -> str:
    """The exception type and the first line of its message, as short as it is useful."""
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    if not line or line in ("collection failure", "failed on setup with", "failed on teardown"):
        for candidate in (text or "").splitlines():
            m = _EXC_LINE.match(candidate)
            if m:
                line = m.group(1).strip()
                break
        else:  # e.g. an import error at collection: pytest prints it without an E prefix
            tail = [ln for ln in (text or "").splitlines() if ln.strip()]
            line = line or (tail[-1].strip() if tail else "unknown failure")
    return group_key(line)


def group_key(line: str) -> str:
    """One spelling for messages that differ only by where they were raised (zenax's
    ``(at file:line (in f))``), addresses or object ids."""
    line = re.sub(r"\s*\(at /.*$", "", line)
    line = re.sub(r"0x[0-9a-fA-F]+", "0x..", line)
    return line if len(line) <= 160 else line[:157] + "..."


def _short_id(classname: str, name: str) -> str:
    """``Class::test`` (or ``test``) from a junit test case, the same as :func:`parse_verbose`
    gives from a node id: the two must match across runs."""
    last = classname.rpartition(".")[2]
    return f"{last}::{name}" if last[:1].isupper() else name


def parse_junit(path: pathlib.Path) -> dict[str, str | None]:
    outcomes: dict[str, str | None] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = _short_id(case.get("classname", ""), case.get("name", ""))
        why: str | None = None
        for child in case:
            if child.tag in ("failure", "error"):
                why = root_cause(child.get("message"), child.text)
                break
            if child.tag == "skipped":
                why = "skipped"
        outcomes[test_id] = why
    return outcomes


_VERBOSE_LINE = re.compile(r"^\S*?::(\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")


def parse_verbose(stdout: str) -> dict[str, str | None]:
    """Outcomes from ``pytest -v`` progress lines: what a run cut off by its time limit
    finished (the failures' causes are printed only at the end, so they are unknown)."""
    outcomes: dict[str, str | None] = {}
    for line in stdout.splitlines():
        m = _VERBOSE_LINE.match(line)
        if m:
            test_id, word = m.groups()
            outcomes[test_id] = {"PASSED": None, "SKIPPED": "skipped"}.get(
                word, "failed before the time limit (cause not printed yet)")
    return outcomes


def run_file(path: pathlib.Path, mode: str, timeout: float,
             rootdir: pathlib.Path | None = None) -> FileResult:
    """Run one test file under ``mode`` in a fresh pytest process. ``rootdir`` (a
    repository's tests folder) lets pytest find the suite's own ``conftest.py`` files."""
    with tempfile.TemporaryDirectory(prefix="client_suite_") as tmp:
        xml_path = pathlib.Path(tmp) / "results.xml"
        cmd = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
               "-o", "addopts=", "--rootdir", str(rootdir or tmp), "-c", os.devnull,
               f"--junitxml={xml_path}", "-o", "junit_family=xunit1", str(path)]
        if mode == "zenax":
            cmd[3:3] = ["-p", "zenax.as_jax"]
        # Unbuffered, into a file: a run stopped at its time limit leaves its progress lines.
        env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"),
                   PYTHONUNBUFFERED="1")
        log_path = pathlib.Path(tmp) / "output.txt"
        start = time.monotonic()
        with open(log_path, "w") as log:
            try:
                proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, timeout=timeout)
            except subprocess.TimeoutExpired:
                done = parse_verbose(log_path.read_text(errors="replace"))
                return FileResult(done, time.monotonic() - start,
                                  f"time limit {timeout:.0f} s: {len(done)} tests finished")
        seconds = time.monotonic() - start
        if not xml_path.exists():
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            return FileResult({}, seconds, f"pytest exited {proc.returncode}: {tail[0]}")
        return FileResult(parse_junit(xml_path), seconds)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rate(num: int, den: int) -> str:
    return f"{100.0 * num / den:.1f}%" if den else "n/a"


@dataclasses.dataclass
class Exclusions:
    """Tests left out of the ratio, each pattern with its reason: those that need a JAX
    internal zenax does not provide (``tests/clients/<library>.exclude``).

    The file has a ``[reason]`` line before the patterns it covers, one pattern a line:
    ``file::test`` with shell wildcards (``mutable_array_test.py::*hijax*``); ``#``
    starts a comment."""
    rules: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # pattern, reason

    @classmethod
    def read(cls, path: pathlib.Path | None) -> "Exclusions":
        rules, reason = [], None
        if path is None or not path.exists():
            return cls(rules)
        for raw in path.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("[") and line.endswith("]"):
                reason = line[1:-1].strip()
            elif line:
                if reason is None:
                    raise SystemExit(f"{path}: pattern {line!r} comes before any [reason]")
                rules.append((line, reason))
        return cls(rules)

    def reason(self, file_name: str, test_id: str) -> str | None:
        key = f"{file_name}::{test_id}"
        return next((why for pattern, why in self.rules if fnmatch.fnmatchcase(key, pattern)),
                    None)


def write_report(library: str, results: dict[str, dict[str, FileResult]], out: pathlib.Path,
                 all_files: int, timeout: float, source: str = "",
                 exclusions: Exclusions | None = None, notes: str = "") -> tuple[int, int]:
    """Write the markdown table; return (passing under JAX, of those passing under zenax),
    not counting the excluded tests. ``notes`` (markdown) is appended."""
    rows, causes_all = [], collections.Counter()
    excluded_all: collections.Counter = collections.Counter()   # reason -> tests passing on JAX
    exclusions = exclusions or Exclusions()
    total_jax = total_both = total_tests = total_reached = 0
    for name, by_mode in results.items():
        jax_res, zx_res = by_mode["jax"], by_mode["zenax"]
        excluded = {t: why for t in jax_res.outcomes
                    if (why := exclusions.reason(name, t)) is not None}
        jax_pass = jax_res.passed() - excluded.keys()
        excluded_all.update(why for t, why in excluded.items() if jax_res.outcomes[t] is None)
        both = jax_pass & zx_res.passed()
        total_jax += len(jax_pass)
        total_both += len(both)
        total_tests += len(jax_res.outcomes)
        total_reached += len(jax_pass & zx_res.outcomes.keys())
        not_reached = (f"not reached under zenax ({zx_res.note})" if zx_res.note
                       else "not run under zenax")
        causes = collections.Counter(
            group_key(zx_res.outcomes.get(t) or not_reached) for t in sorted(jax_pass - both))
        causes_all.update(causes)
        cause_text = "; ".join(f"`{_cell(c)}` x {n}" for c, n in causes.most_common())
        if jax_res.note:
            cause_text = f"JAX run: {jax_res.note}. " + cause_text
        elif zx_res.note and not causes:
            cause_text = f"zenax run: {zx_res.note}"
        excluded_cell = f" {len(excluded)} |" if exclusions.rules else ""
        rows.append(f"| {name} | {len(jax_res.outcomes)} |{excluded_cell} {len(jax_pass)} | "
                    f"{len(both)} | {_rate(len(both), len(jax_pass))} | "
                    f"{jax_res.seconds:.0f} / {zx_res.seconds:.0f} | {cause_text or '-'} |")
    lines = [
        f"# {library}'s own test suite on zenax",
        "",
        f"Generated by `python tests/clients/run_client_suite.py {library}`: each test file "
        f"{source or f'shipped in the installed {library} wheel'} runs in its own pytest "
        f"process, once on "
        f"JAX and once with `-p zenax.as_jax` (time limit {timeout:.0f} s per file and mode).",
        "",
        f"Files run: {len(results)} of {all_files}.",
        f"**Of the {total_jax} tests that pass under JAX, {total_both} pass under zenax: "
        f"{_rate(total_both, total_jax)}** (target: {TARGETS.get(library, 95)}%). Counting only the "
        f"{total_reached} of them that the zenax run reached within its time limit: "
        f"{_rate(total_both, total_reached)}. Tests run under JAX: {total_tests}.",
        *([f"Left out: {sum(excluded_all.values())} tests passing under JAX that need JAX "
           "internals zenax does not provide (the `excluded` column, reasons below)."]
          if exclusions.rules else []),
        "",
        "| test file | tests |" + (" excluded |" if exclusions.rules else "") +
        " pass (JAX) | pass (zenax) | ratio | seconds JAX / zenax "
        "| failures under zenax: root cause x tests |",
        "|---|---:|" + ("---:|" if exclusions.rules else "") + "---:|---:|---:|---:|---|",
        *rows,
        "",
        "## Root causes over all files",
        "",
        "| root cause | tests |",
        "|---|---:|",
        *(f"| `{_cell(c)}` | {n} |" for c, n in causes_all.most_common()),
        "",
    ]
    if exclusions.rules:
        lines += ["## Tests left out: they need JAX internals", "",
                  "| reason | tests passing under JAX |", "|---|---:|",
                  *(f"| {_cell(why)} | {excluded_all[why]} |"
                    for why in dict.fromkeys(why for _, why in exclusions.rules)), ""]
    if notes:
        lines += [notes.strip(), ""]
    out.write_text("\n".join(lines))
    return total_jax, total_both


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", help="an installed library (its tests ship in its wheel, "
                                        "or see --tests-dir)")
    parser.add_argument("--tests-dir", type=pathlib.Path, default=None,
                        help="the library's tests folder from a checkout of its repository "
                             "at the installed version, for libraries whose wheel has none")
    parser.add_argument("--files", nargs="*", default=None,
                        help="run only the test files whose path ends with one of these")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per test file and mode (default 120)")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="report path (default tests/clients/<library>.md)")
    parser.add_argument("--exclude", type=pathlib.Path, default=None,
                        help="tests to leave out of the ratio, with reasons (default: "
                             "tests/clients/<library>.exclude if present; see Exclusions)")
    parser.add_argument("--notes", type=pathlib.Path, default=None,
                        help="markdown appended to the report (default: "
                             "tests/clients/<library>.notes.md if present)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="modes to run now; the others come from the cache")
    parser.add_argument("--cache", type=pathlib.Path, default=None,
                        help="JSON of earlier results, reused for modes not run now "
                             "(default: <tmp>/zenax_client_suite/<library>.json)")
    args = parser.parse_args(argv)
    root = test_root(args.library, args.tests_dir)
    all_files = library_test_files(args.library, args.tests_dir)
    version = importlib.metadata.version(args.library)
    source = (f"of {args.library} {version}'s repository tests (`{root.name}/`)"
              if args.tests_dir else f"shipped in the installed {args.library} {version} wheel")
    files = all_files if not args.files else [
        p for p in all_files if any(str(p).endswith(s) for s in args.files)]
    out = args.out or REPO / "tests" / "clients" / f"{args.library}.md"
    exclusions = Exclusions.read(args.exclude or
                                 REPO / "tests" / "clients" / f"{args.library}.exclude")
    notes_path = args.notes or REPO / "tests" / "clients" / f"{args.library}.notes.md"
    notes = notes_path.read_text() if notes_path.exists() else ""
    cache_path = args.cache or (pathlib.Path(tempfile.gettempdir()) / "zenax_client_suite"
                                / f"{args.library}.json")
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    # Files run earlier (cached under both modes) stay in the report.
    results: dict[str, dict[str, FileResult]] = {
        name: {mode: FileResult(**by_mode[mode]) for mode in MODES}
        for name, by_mode in cache.items() if all(by_mode.get(m) for m in MODES)}
    for path in files:
        name = str(path.relative_to(root))
        results[name] = {}
        for mode in MODES:
            cached = cache.get(name, {}).get(mode)
            if mode not in args.modes and cached is not None:
                results[name][mode] = FileResult(**cached)
                continue
            res = run_file(path, mode, args.timeout, root if args.tests_dir else None)
            cache.setdefault(name, {})[mode] = dataclasses.asdict(res)
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache))
            results[name][mode] = res
            print(f"{name:45s} {mode:5s} {len(res.passed()):4d}/{len(res.outcomes):4d} passed "
                  f"{res.seconds:6.1f} s {res.note}", flush=True)
        write_report(args.library, dict(sorted(results.items())), out, len(all_files),
                     args.timeout, source, exclusions, notes)
    results = dict(sorted(results.items()))
    total_jax, total_both = write_report(args.library, results, out, len(all_files),
                                         args.timeout, source, exclusions, notes)
    print(f"{total_both}/{total_jax} tests passing under JAX pass under zenax "
          f"({_rate(total_both, total_jax)}); report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
