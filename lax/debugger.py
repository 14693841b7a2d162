"""``breakpoint``: an interactive debugger that stops a program while it runs, even a
compiled one, with the local variables of the user's frames at the breakpoint.

When ``breakpoint()`` is traced it records the user's stack frames (zenax's own and
JAX's frames left out): file, line, source and locals.  Traced locals become the
arguments of a debug callback; everything else is kept as it is.  When the program
reaches the callback, the frames are rebuilt with the runtime values and a small
``pdb``-like prompt, ``(jdb)``, reads commands: ``p``/``pp`` expr, ``u``/``d`` (move
between frames), ``l`` (list source), ``w`` (backtrace), ``c`` (continue), ``q`` (quit),
or an expression to evaluate.  Prompts and printouts are JAX's.
"""
from __future__ import annotations

import cmd
import dataclasses
import inspect
import pprint
import sys
import threading
import traceback
from typing import IO, Any

from zenax.tracer.core import Tracer, bind
from zenax.tracer.source_info import is_internal_file
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

from .callbacks import pure_callback
from .debugging import debug_callback_p
from .elementwise import stop_gradient

__all__ = ["breakpoint"]


class _CantFlatten:
    def __repr__(self) -> str:
        return "<cant_flatten>"


@dataclasses.dataclass(frozen=True)
class DebuggerFrame:
    """One frame of the user's stack at the breakpoint."""
    filename: str
    locals: dict[str, Any]
    source: list[str]
    lineno: int
    offset: int | None   # index of the current line in ``source``

    @classmethod
    def from_frame_info(cls, info: inspect.FrameInfo) -> DebuggerFrame:
        try:
            lines, start = inspect.getsourcelines(info.frame)
            source = "".join(lines).split("\n")
            offset = info.lineno - max(start, 1)
            if offset >= len(source):
                source, offset = [], None
        except (OSError, TypeError):
            source, offset = [], None
        return cls(info.filename, dict(info.frame.f_locals), source, info.lineno, offset)


class _TooBig(Exception):
    pass


_LEAF_TREE = tree_flatten(0)[1]
_MAX_NODES = 10_000


def _flatten_local(value: Any) -> tuple[list, Any]:
    """Flatten a local variable to find traced values in it.  A value too big to walk
    (a library frame's caches) is kept whole: traced values are never that deep."""
    seen = 0

    def count(_):
        nonlocal seen
        seen += 1
        if seen > _MAX_NODES:
            raise _TooBig
        return False
    try:
        return tree_flatten(value, is_leaf=count)
    except _TooBig:
        return [value], _LEAF_TREE
    except Exception:
        return [_CantFlatten()], _LEAF_TREE


def _split_frames(frames: list[DebuggerFrame]):
    """The traced values among the frames' locals, and a way to rebuild the frames with
    concrete values in their places."""
    per_frame = []
    traced: list = []
    for frame in frames:
        names, values = [], []
        for name, value in frame.locals.items():
            leaves, tree = _flatten_local(value)
            names.append(name)
            values.append((tree, [(isinstance(x, Tracer), x) for x in leaves]))
            traced += [x for x in leaves if isinstance(x, Tracer)]
        per_frame.append((frame, names, values))

    def rebuild(concrete: list) -> list[DebuggerFrame]:
        it = iter(concrete)
        out = []
        for frame, names, values in per_frame:
            local_vars = {n: tree_unflatten(tree, [next(it) if is_traced else x
                                                   for is_traced, x in leaves])
                          for n, (tree, leaves) in zip(names, values)}
            out.append(dataclasses.replace(frame, locals=local_vars))
        return out
    return traced, rebuild


class CliDebugger(cmd.Cmd):
    """The ``(jdb)`` prompt over a list of frames (innermost first)."""
    prompt = "(jdb) "

    def __init__(self, frames: list[DebuggerFrame], thread_id: int | None,
                 stdin: IO[str] | None = None, stdout: IO[str] | None = None,
                 completekey: str = "tab"):
        super().__init__(stdin=stdin, stdout=stdout, completekey=completekey)
        self.use_rawinput = stdin is None
        self.frames, self.frame_index, self.thread_id = frames, 0, thread_id
        self.intro = "Entering jdb:"

    def evaluate(self, expr: str) -> Any:
        return eval(expr, {}, dict(self.frames[self.frame_index].locals))

    def _show(self, expr: str, fmt) -> None:
        try:
            print(fmt(self.evaluate(expr)), file=self.stdout)
        except Exception:
            msg = traceback.format_exception_only(*sys.exc_info()[:2])[-1].strip()
            print("***", msg, file=self.stdout)

    def default(self, line: str) -> None:
        self._show(line, repr)

    def do_p(self, arg: str) -> None:
        """p expression: evaluate and print the value of an expression."""
        self._show(arg, repr)

    def do_pp(self, arg: str) -> None:
        """pp expression: evaluate and pretty-print the value of an expression."""
        self._show(arg, pprint.pformat)

    def print_context(self, num_lines: int = 2) -> None:
        frame = self.frames[self.frame_index]
        lines = [f"> {frame.filename}({frame.lineno})"]
        for i, line in enumerate(frame.source):
            if frame.offset is not None and \
                    frame.offset - 1 - num_lines <= i <= frame.offset + num_lines:
                lines.append(("->  " if i == frame.offset else "    ") + line)
        print("\n".join(lines), file=self.stdout)

    def do_up(self, arg: str) -> None:
        """u(p): move up a stack frame."""
        if self.frame_index == len(self.frames) - 1:
            print("At topmost frame.", file=self.stdout)
        else:
            self.frame_index += 1
        self.print_context()
    do_u = do_up

    def do_down(self, arg: str) -> None:
        """d(own): move down a stack frame."""
        if self.frame_index == 0:
            print("At bottommost frame.", file=self.stdout)
        else:
            self.frame_index -= 1
        self.print_context()
    do_d = do_down

    def do_list(self, arg: str) -> None:
        """l(ist): list the source around the current line."""
        self.print_context(num_lines=5)
    do_l = do_list

    def do_continue(self, arg: str) -> bool:
        """c(ont(inue)): continue the program's execution."""
        return True
    do_c = do_cont = do_continue

    def do_quit(self, arg: str) -> None:
        """q(uit), exit: quit the debugger, exiting the program."""
        sys.exit(0)
    do_q = do_EOF = do_exit = do_quit

    def do_where(self, arg: str) -> None:
        """w(here), bt: print a stack trace, most recent frame last."""
        lines = ["Traceback:"]
        for frame in reversed(self.frames):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}')
            lines.append("    <no source>" if frame.offset is None
                         else f"    {frame.source[frame.offset].strip()}")
        print("\n".join(lines), file=self.stdout)
    do_w = do_bt = do_where

    def run(self) -> None:
        while True:
            try:
                self.cmdloop()
                break
            except KeyboardInterrupt:
                print("--KeyboardInterrupt--", file=sys.stdout)


_debug_lock = threading.Lock()


def breakpoint(*, backend: str | None = None, filter_frames: bool = True,  # noqa: A001
               num_frames: int | None = None, ordered: bool = False, token: Any = None,
               **kwargs: Any) -> Any:
    """Stop here when the program runs and open the ``(jdb)`` prompt on the user's frames
    (``filter_frames=False`` keeps library frames; ``num_frames`` limits how many).
    ``kwargs`` go to the debugger (``stdin``, ``stdout``).  With ``token`` (a pytree of
    arrays), the breakpoint runs once ``token`` is computed and ``token`` is returned:
    use the result, or the program may skip the breakpoint.

    >>> import io
    >>> commands = io.StringIO('p x * 2\\nc\\n')
    >>> zenax.jit(lambda x: breakpoint(stdin=commands))(3.0); zenax.effects_barrier()
    ... # doctest: +NORMALIZE_WHITESPACE
    Entering jdb:
    (jdb) Array(6., dtype=float32)
    (jdb)
    """
    if token is not None and ordered:
        raise ValueError("`ordered` and `token` are mutually exclusive arguments.")
    infos = inspect.stack(context=0)[1:]
    frames = [DebuggerFrame.from_frame_info(i) for i in infos
              if not filter_frames or not is_internal_file(i.filename)]
    if num_frames is not None:
        frames = frames[:num_frames]
    traced, rebuild = _split_frames(frames)

    def run_debugger(*concrete):
        thread_id = None if threading.current_thread() is threading.main_thread() \
            else threading.get_ident()
        with _debug_lock:
            CliDebugger(rebuild(list(concrete)), thread_id, **kwargs).run()

    if token is None:
        bind(debug_callback_p, *traced, callback=run_debugger)
        return None

    def run_then_pass(tok, *concrete):
        run_debugger(*concrete)
        return tok
    token, traced = stop_gradient((token, traced))
    return pure_callback(run_then_pass, token, token, *traced)
