/**
 * The Python program a warm container runs (argv: `warm`, then modules to import ahead of time), and
 * a cold interactive run (argv: `interactive`). Warm: it imports the environment's heavy modules,
 * says READY and waits for one line on stdin, the go signal sent once the host has written the
 * run's files: `go` puts /dev/null on stdin as a cold run has it, `go stdin` keeps the container's
 * stdin (the host writes the run's batch input, then closes it), `go interactive` keeps it and
 * installs the stdin wrapper. It then runs /code/main.py as `__main__` exactly as
 * `python3 -u /code/main.py` would: same argv, sys.path[0], globals, traceback text (its own frame
 * hidden, `sys.excepthook` honoured), SystemExit codes, non-daemon threads joined and atexit run.
 *
 * The stdin wrapper (interactive runs) replaces `sys.stdin` with a reader whose every read that
 * would block first flushes stdout/stderr and writes a read-request frame on stdout (see
 * stdin-frames.ts and docs/security.md, 'Standard input').
 *
 * It writes nothing else after the go line: the run ends when Docker reports the container's exit,
 * and its exit code and OOM state come from Docker. It is not a security boundary: user code runs in
 * the same interpreter and could change anything here, so the host trusts nothing it could print —
 * limits, timeouts, OOM and artifact collection work exactly as on the cold path (see
 * docs/security.md, 'Warm runs').
 */
export const READY_MARKER = '\u0000TAKO-READY\n'

export const SUPERVISOR_SOURCE = String.raw`
import os, sys
def _tako_stdin_wrapper():
    import io, select
    class Reader(io.RawIOBase):
        consumed = 0
        def readable(self):
            return True
        def fileno(self):
            return 0
        def readinto(self, b):
            try:
                ready = select.select([0], [], [], 0)[0]
            except BaseException:
                ready = [0]
            if not ready:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except BaseException:
                        pass
                os.write(1, b'\x00TAKO-STDIN:%d\n' % Reader.consumed)
            data = os.read(0, len(b))
            n = len(data)
            b[:n] = data
            Reader.consumed += n
            return n
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BufferedReader(Reader()), encoding=old.encoding,
                                 errors=old.errors, newline='\n')
def _tako_supervise():
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    if mode == 'warm':
        devnull = os.open('/dev/null', os.O_RDWR)
        saved = os.dup(2)
        os.dup2(devnull, 2)
        for name in sys.argv[2:]:
            try:
                __import__(name)
            except BaseException:
                pass
        os.dup2(saved, 2)
        os.close(saved)
        # The warm-up's objects (the pre-imported modules: 90,000 for the plotting stack) go to
        # the permanent generation, so the flush of the run's open files at the end scans only
        # what the run made (it took 30-200 ms of every warm plot's end; see bench/README.md).
        import gc
        gc.collect()
        gc.freeze()
        del gc
        sys.stdout.write('\x00TAKO-READY\n')
        sys.stdout.flush()
        # Byte by byte from the descriptor: sys.stdin's buffer must not swallow the run's input.
        go = b''
        while len(go) < 32 and not go.endswith(b'\n'):
            c = os.read(0, 1)
            if not c:
                break
            go += c
        if go not in (b'go\n', b'go stdin\n', b'go interactive\n'):
            os._exit(0)
        if go == b'go\n':
            os.dup2(devnull, 0)
        os.close(devnull)
        interactive = go == b'go interactive\n'
        del go, devnull, saved
    elif mode == 'interactive':
        interactive = True
    else:
        os._exit(2)
    if interactive:
        _tako_stdin_wrapper()
    del mode, interactive
    import builtins, threading, atexit
    sys.argv = ['/code/main.py']
    sys.path[0] = '/code'
    g = {'__name__': '__main__', '__file__': '/code/main.py', '__builtins__': builtins,
         '__doc__': None, '__package__': None, '__spec__': None, '__loader__': None, '__cached__': None}
    code = 0
    try:
        with open('/code/main.py', 'rb') as f:
            source = f.read()
        exec(compile(source, '/code/main.py', 'exec'), g)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            try:
                print(e.code, file=sys.stderr)
            except BaseException:
                pass
            code = 1
    except BaseException as e:
        tb = e.__traceback__
        tb = tb.tb_next if tb is not None else None
        try:
            sys.excepthook(type(e), e.with_traceback(tb), tb)
        except BaseException:
            pass
        code = 130 if isinstance(e, KeyboardInterrupt) else 1
    try:
        threading._shutdown()
    except BaseException:
        pass
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    # A cold run's interpreter shutdown flushes every file the script left open; os._exit below
    # would drop what is still buffered, so flush them here.
    try:
        import gc, io
        for obj in gc.get_objects():
            try:
                if isinstance(obj, io.IOBase) and not obj.closed:
                    obj.flush()
            except BaseException:
                pass
    except BaseException:
        pass
    code &= 0xFF
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code)
_tako_supervise()
`

/** Modules worth importing ahead of time, per environment (seconds saved on a plot). */
export const PREIMPORTS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  'data-processing': ['numpy', 'pandas', 'matplotlib', 'matplotlib.pyplot'],
  'ml-inference': ['numpy', 'sklearn', 'sklearn.linear_model'],
}
