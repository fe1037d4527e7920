#!/usr/bin/python3
"""The CLI's progress bar: drawn on stderr when stderr is a terminal (a
pseudo-terminal here) with percent and stage names, redrawn with \\r on one
line and erased at the end; absent when stderr is a pipe and with --quiet.

usage: test_progress.py SST_STYLIZE SOURCE_ROOT"""
import os
import pty
import subprocess
import sys
import tempfile

cli, root = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
base = [cli, os.path.join(root, "samples", "content.jpg"),
        os.path.join(root, "samples", "style.jpg"), "-o", os.path.join(tmp, "o.png"),
        "--max-size", "160"]
fails = 0


def check(cond, what):
    global fails
    print(("ok - " if cond else "FAIL - ") + what)
    fails += not cond


def run_on_pty(extra):
    """stderr on a pseudo-terminal, stdout on a pipe: (rc, stderr bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(base + extra, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    got = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    p.stdout.read()
    return p.wait(), got


rc, tty = run_on_pty([])
print("# on a terminal: %d bytes, %d redraws" % (len(tty), tty.count(b"\r[")))
check(rc == 0, "run on a terminal succeeds")
check(tty.count(b"\r[") >= 3, "bar redrawn in place (\\r) several times")
check(b"%" in tty and b"100 %" in tty, "percent shown, up to 100 %")
for stage in (b"encode content", b"reconstruct", b"decode"):
    check(stage in tty, "stage %r shown" % stage.decode())
check(b"\n" not in tty, "one line only (no newline)")
check(tty.endswith(b"\r"), "bar erased at the end")

rc, quiet = run_on_pty(["--quiet"])
check(rc == 0 and quiet == b"", "--quiet: nothing on the terminal (%r)" % quiet[:60])

r = subprocess.run(base, capture_output=True)
check(r.returncode == 0 and r.stderr == b"",
      "stderr not a terminal: no bar (%r)" % r.stderr[:60])
print("progress: %d failure(s)" % fails)
sys.exit(fails != 0)
