#!/usr/bin/env python3
"""test_docs.py: what a command-line tool is expected to have.

- `make deps` / `make run` install what `make run` runs (QEMU and the
  micro:bit firmware), checked with stub dpkg-query/apt-get/sudo on PATH
  that record what would be installed; the errors `--port emu` gives when
  they are missing name a fix that installs them.
- The manual page renders without warnings and has its sections.
- `--help`, the README and the manual page list the same commands and
  options (and those are the options mpeek accepts); `--help` names every
  built-in theme; the README names every heap kind `mpeek heap` prints;
  the manual page's explorer keys are the README's keys table, and every
  key on the explorer's own help screen is among them.
- The bash completion completes commands, options, --theme, --board,
  --port and --format values.
- `make install`/`make uninstall` with DESTDIR put in and take away the
  manual page and the completion.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, FIRMWARE_HEX, mpeek, mpeek_bin, run, run_tests  # noqa: E402

MAN = os.path.join(ROOT, "doc", "mpeek.1")
COMPLETION = os.path.join(ROOT, "completion", "mpeek.bash")
README = os.path.join(ROOT, "README.md")
FAKEBOARD = os.path.join(ROOT, "tests", "fakeboard.py")

STUB_DPKG = """#!/bin/sh
# dpkg-query -W -f=... PACKAGE: installed unless named in $STUB_MISSING
for p; do :; done
case " $STUB_MISSING " in
*" $p "*) exit 1 ;;
esac
printf 'install ok installed'
"""
STUB_APT = """#!/bin/sh
echo "apt-get $*" >>"$STUB_LOG"
"""
STUB_SUDO = """#!/bin/sh
exec "$@"
"""


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Stubs:
    """A PATH with stub dpkg-query, apt-get and sudo in front."""

    def __init__(self, missing):
        self.dir = tempfile.mkdtemp(prefix="mpeek-stubs-")
        self.log = os.path.join(self.dir, "apt.log")
        for name, text in (("dpkg-query", STUB_DPKG), ("apt-get", STUB_APT),
                           ("sudo", STUB_SUDO)):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        self.env = dict(os.environ)
        for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
            self.env.pop(k, None)
        self.env["PATH"] = self.dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")
        self.env["STUB_MISSING"] = " ".join(missing)
        self.env["STUB_LOG"] = self.log

    def run(self, args, timeout=300):
        if os.path.exists(self.log):
            os.unlink(self.log)
        rc, out, err, _ = run(args, timeout=timeout, env=self.env)
        return rc, out.decode("utf-8", "replace"), err

    def installed(self):
        """The packages apt-get install was asked for."""
        pkgs = set()
        if os.path.exists(self.log):
            for line in read(self.log).splitlines():
                words = line.split()
                if "install" in words:
                    pkgs.update(w for w in words[words.index("install") + 1:]
                                if not w.startswith("-"))
        return pkgs

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def make(args):
    return ["make", "--no-print-directory", "-C", ROOT] + args


def test_make_run_installs_what_it_runs(c):
    c.test("make deps / make run install QEMU and the firmware on a machine that has the build packages")
    emu = ["qemu-system-arm", "firmware-microbit-micropython"]
    st = Stubs(emu)
    try:
        rc, out, err = st.run(make(["deps"]))
        got = st.installed()
        c.check(rc == 0, "make deps exits 0: %r" % err[-300:])
        c.check(set(emu) <= got, "make deps installs %s: asked apt-get for %s" % (emu, sorted(got)))
        # run.sh passes ARGS on to mpeek: --version makes the run end at once.
        rc, out, err = st.run(make(["run", "ARGS=--version"]))
        got = st.installed()
        c.check(rc == 0 and re.search(r"^mpeek \d", out, re.M) is not None,
                "make run ARGS=--version runs mpeek: %r %r" % (out[-200:], err[-300:]))
        c.check(set(emu) <= got, "make run installs %s: asked apt-get for %s" % (emu, sorted(got)))
    finally:
        st.close()

    c.test("the test list has what the manual-page test needs")
    st = Stubs(["man-db", "groff-base"])
    try:
        rc, out, err = st.run([os.path.join(ROOT, "scripts", "deps.sh"), "test"])
        c.check(rc == 0, "deps.sh test exits 0: %r" % err[-300:])
        c.check({"man-db", "groff-base"} <= st.installed(),
                "deps.sh test installs man-db and groff-base: %s" % sorted(st.installed()))
    finally:
        st.close()


def test_emu_missing_messages(c):
    c.test("--port emu without QEMU or firmware: the fix named installs what is missing")
    empty = tempfile.mkdtemp(prefix="mpeek-nopath-")
    fw = tempfile.NamedTemporaryFile(prefix="mpeek-fw-", suffix=".hex", delete=False)
    fw.close()
    try:
        cases = (("qemu-system-arm", {"PATH": empty, "MPEEK_EMU_FIRMWARE": fw.name}),
                 ("firmware-microbit-micropython",
                  {"MPEEK_EMU_FIRMWARE": os.path.join(empty, "firmware.hex")}))
        for pkg, extra in cases:
            env = dict(os.environ)
            env.update(extra)
            rc, out, err, _ = mpeek(["-p", "emu", "--timeout", "1", "info"], timeout=30, env=env)
            lines = [x for x in err.splitlines() if x.strip()]
            c.check(rc == 1 and len(lines) == 1, "%s: one line, exit 1: rc=%r %r" % (pkg, rc, err))
            msg = lines[0] if lines else ""
            c.check(pkg in msg, "names the package %s: %r" % (pkg, msg))
            c.check("apt-get install %s" % pkg in msg,
                    "gives the command that installs it: %r" % msg)
            # Any make target the message suggests must install the package.
            for target in re.findall(r"'make ([a-z-]+)'", msg):
                st = Stubs([pkg])
                try:
                    rc2, _, err2 = st.run(make([target]))
                    c.check(rc2 == 0 and pkg in st.installed(),
                            "'make %s' (named in %r) installs %s: %s %r"
                            % (target, msg, pkg, sorted(st.installed()), err2[-200:]))
                finally:
                    st.close()
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        os.unlink(fw.name)


# ---- the manual page ---------------------------------------------------------

def roff_text(s):
    """Plain text of a line of man(7) source."""
    s = re.sub(r"^\.(B|I|BR|BI|IB|IR|RI|RB|SM)\s+", "", s)
    if re.match(r"^\.(BR|BI|IB|IR|RI|RB)\b", s):
        s = s.split(None, 1)[1] if " " in s else ""
    s = re.sub(r"\\f[BIRP]|\\f\[[A-Z]*\]|\\&|\\c", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    s = s.replace("\\(dq", '"').replace("\\(em", "--").replace("\\ ", " ")
    s = s.replace("\\~", " ").replace("\\(ti", "~").replace("\\(ha", "^")
    s = s.replace("\\.", ".").replace("\\(rs", "\\")
    return re.sub(r'"', "", s).strip() if s.startswith('"') else s.strip()


def man_sections(src):
    """{SECTION: [lines]} of the man page source."""
    out, cur = {}, None
    for line in src.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]+)"?\s*$', line)
        if m:
            cur = m.group(1).strip()
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def man_tags(lines):
    """The tag line after each .TP, as plain text."""
    tags = []
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            tags.append(roff_text(lines[i + 1]))
    return tags


def test_man_page(c):
    c.test("the manual page renders with no warnings and has its sections")
    if not c.check(os.path.exists(MAN), "doc/mpeek.1 exists"):
        return
    src = read(MAN)
    secs = man_sections(src)
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXPLORER KEYS",
                 "FILES", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
        c.check(name in secs, "section %s: %s" % (name, sorted(secs)))
    rc, out, err, _ = mpeek(["--version"], timeout=20)
    th = re.search(r'^\.TH MPEEK 1 "[^"]*" "([^"]*)"', src, re.M)
    c.check(th is not None and th.group(1) == out.decode().strip(),
            ".TH names the version mpeek --version prints: %r vs %r"
            % (th and th.group(1), out.decode().strip()))
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 0 and p.stderr.strip() == "",
                "groff -man -ww has no warnings: %r" % p.stderr[:500])
    if shutil.which("mandoc"):
        p = subprocess.run(["mandoc", "-Tlint", "-Wwarning", MAN], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 0, "mandoc -Tlint: %r" % (p.stdout + p.stderr)[:500])
    if not c.check(shutil.which("man") is not None, "man is installed (scripts/deps.sh test)"):
        return
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="", PAGER="cat", MANPAGER="cat")
    p = subprocess.run(["man", "-l", MAN], capture_output=True, text=True, timeout=60, env=env)
    text = re.sub(r".\x08", "", p.stdout)
    c.check(p.returncode == 0 and p.stderr.strip() == "",
            "man -l exits 0 quietly: %r" % p.stderr[:300])
    for name in ("NAME", "SYNOPSIS", "COMMANDS", "OPTIONS", "EXPLORER KEYS", "EXIT STATUS"):
        c.check(re.search(r"^%s$" % name, text, re.M) is not None,
                "man -l shows %s" % name)
    c.check("mpeek - look inside the memory of a running MicroPython board" in text,
            "the NAME line: %r" % text[:300])


# ---- the same commands and options everywhere -----------------------------------

def help_text():
    rc, out, err, _ = mpeek(["--help"], timeout=20)
    return out.decode()


def help_commands(h):
    block = h.split("commands:", 1)[1].split("options:", 1)[0] if "commands:" in h else ""
    return {m.group(1) for m in re.finditer(r"^  ([a-z]+)\b", block, re.M)}


def help_options(h):
    opts = set()
    for line in h.splitlines():
        m = re.match(r"^ {2,7}(-[A-Za-z]|--[a-z][a-z-]*)(?:, (--[a-z][a-z-]*))?", line)
        if m:
            opts.update(x for x in m.groups() if x)
    return opts


def readme_usage():
    text = read(README)
    usage = text.split("## Usage", 1)[1]
    block = usage.split("```", 2)[1]
    cmds, opts = set(), set()
    for line in block.splitlines():
        m = re.match(r"^mpeek (?:\[OPTIONS\] )?\[?([a-z]+)", line)
        if m:
            cmds.add(m.group(1))
        opts.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[A-Za-z])\b", line))
    table = usage.split("### Options", 1)[1].split("\n## ", 1)[0]
    for line in table.splitlines():
        if line.startswith("| `"):
            first = re.split(r"(?<!\\)\|", line)[1]
            opts.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[A-Za-z])\b", first))
    return cmds, opts


def man_lists():
    secs = man_sections(read(MAN)) if os.path.exists(MAN) else {}
    cmds = {t.split()[0] for t in man_tags(secs.get("COMMANDS", [])) if t}
    opts = set()
    for t in man_tags(secs.get("OPTIONS", [])) + man_tags(secs.get("COMMANDS", [])):
        opts.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[A-Za-z])\b", t))
    return cmds, opts


def accepted_options():
    """The options main.c's getopt_long table and short-option string accept."""
    src = read(os.path.join(ROOT, "src", "main.c"))
    longs = {"--" + n for n in re.findall(r'\{"([a-z-]+)", (?:required|no)_argument', src)}
    m = re.search(r'getopt_long\(argc, argv, "([^"]*)"', src)
    shorts = {"-" + ch for ch in (m.group(1) if m else "") if ch.isalpha()}
    return longs | shorts


def builtin_themes():
    """themes/*.theme and the themes theme.c builds in (theme_list)."""
    names = {p[:-6] for p in os.listdir(os.path.join(ROOT, "themes")) if p.endswith(".theme")}
    src = read(os.path.join(ROOT, "src", "theme.c"))
    names.update(re.findall(r'snprintf\(all\[n\+\+\], THEME_NAME_MAX, "([a-z-]+)"\)', src))
    return names


def test_same_lists(c):
    c.test("--help, README and the manual page list the same commands and options")
    h = help_text()
    hc, ho = help_commands(h), help_options(h)
    rc_, ro = readme_usage()
    mc, mo = man_lists()
    c.check(len(hc) >= 9 and len(ho) >= 20, "--help lists commands and options: %s %s" % (hc, ho))
    c.check(hc == rc_, "README usage commands %s == --help %s" % (sorted(rc_), sorted(hc)))
    c.check(hc == mc, "man page commands %s == --help %s" % (sorted(mc), sorted(hc)))
    c.check(ho == ro, "README options: only in README %s, only in --help %s"
            % (sorted(ro - ho), sorted(ho - ro)))
    c.check(ho == mo, "man page options: only in man %s, only in --help %s"
            % (sorted(mo - ho), sorted(ho - mo)))
    acc = accepted_options()
    c.check(ho == acc, "--help lists what mpeek accepts: not listed %s, listed but not accepted %s"
            % (sorted(acc - ho), sorted(ho - acc)))

    c.test("--help names every built-in theme")
    themes = sorted(builtin_themes())
    m = re.search(r"--theme NAME(.*?)\n      --", h, re.S)
    desc = " ".join(m.group(1).split()) if m else ""
    for t in themes:
        c.check(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(t), desc) is not None,
                "theme %s in --help's --theme text: %r" % (t, desc))


def heap_kinds():
    """Every kind `mpeek heap` prints, from the fake board's two presets."""
    kinds = set()
    for preset in ("new", "old"):
        rc, out, err, _ = mpeek(["-p", "execpty:exec python3 %s --preset %s" % (FAKEBOARD, preset),
                                 "heap"], timeout=120)
        rows = out.decode().split("kind ", 1)[-1].splitlines()[1:]
        for line in rows:
            m = re.match(r"^(\S+)\s+\d+\s+\d+\s+\d+$", line)
            if m:
                kinds.add(m.group(1))
    return kinds


def test_heap_kinds(c):
    c.test("README and the manual page name every heap kind mpeek heap prints")
    kinds = heap_kinds()
    c.check({"free", "object", "tuple", "dict"} <= kinds, "mpeek heap printed kinds: %s" % kinds)
    text = " ".join(read(README).split())
    m = re.search(r"bytes per kind \(([^)]*)\)", text)
    listed = {k.strip() for k in m.group(1).split(",")} if m else set()
    for k in sorted(kinds):
        c.check(k in listed, "README lists heap kind %r: %s" % (k, sorted(listed)))
    man = " ".join(roff_text(x) for x in read(MAN).splitlines()) if os.path.exists(MAN) else ""
    m = re.search(r"bytes per kind \(([^)]*)\)", man)
    listed = {k.strip() for k in m.group(1).split(",")} if m else set()
    for k in sorted(kinds):
        c.check(k in listed, "man page lists heap kind %r: %s" % (k, sorted(listed)))


# ---- explorer keys ---------------------------------------------------------------

def readme_keys():
    text = read(README)
    part = text.split("## The explorer", 1)[1].split("\n## ", 1)[0]
    keys = []
    started = False
    for line in part.splitlines():
        if line.startswith("| key | does |"):
            started = True
            continue
        if started and line.startswith("| ---"):
            continue
        if started and line.startswith("|"):
            first = re.split(r"(?<!\\)\|", line)[1]
            keys.append(" ".join(first.replace("`", "").replace("\\|", "|").split()))
        elif started:
            break
    return keys


def explorer_help_keys():
    """The key column of the explorer's '?' screen, from `mpeek open` in tmux."""
    if shutil.which("tmux") is None or not os.path.exists(FIRMWARE_HEX):
        return None
    sock = "mpeek-docs-%d" % os.getpid()

    def tmux(*a):
        return subprocess.run(["tmux", "-L", sock] + list(a), capture_output=True, text=True,
                              timeout=20)
    try:
        tmux("new-session", "-d", "-s", "d", "-x", "100", "-y", "50",
             "TERM=xterm-256color %s open %s; sleep 30" % (mpeek_bin(), FIRMWARE_HEX))
        end = time.monotonic() + 20
        s = ""
        while time.monotonic() < end:
            s = tmux("capture-pane", "-p", "-t", "d").stdout
            if "00000000  " in s:
                break
            time.sleep(0.1)
        tmux("send-keys", "-t", "d", "-l", "?")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            s = tmux("capture-pane", "-p", "-t", "d").stdout
            if re.search(r"[x\u2502] \?\s+\S", s) and "explorer keys" in s:
                break
            time.sleep(0.1)
        tmux("send-keys", "-t", "d", "-l", "q")
        tmux("send-keys", "-t", "d", "-l", "q")
    finally:
        tmux("kill-server")
    # The help is a box drawn over the hex rows: its title sits in the top
    # border, its text starts one column inside the left border, and the
    # descriptions start where the one of the '?' key does.
    lines = s.splitlines()
    top = left = None
    for i, x in enumerate(lines):
        m = re.search(r"[l\u250c][q\u2500] mpeek explorer keys", x)
        if m:
            top, left = i, m.start()
            break
    if top is None:
        return []
    inner = []
    for line in lines[top + 1:]:
        if len(line) <= left or line[left] in "m\u2514":
            break
        inner.append(line[left + 1:])
    q = next((re.match(r"^ \?\s+", x) for x in inner if re.match(r"^ \?\s+\S", x)), None)
    if q is None:
        return []
    col = q.end()
    cols = []
    for line in inner:
        if not line.strip(" x\u2502"):
            break  # the keys end at the first blank line; a note follows
        key = line[1:col].strip()
        if key and not key.startswith("("):
            cols.append(key)
    return cols


def test_keys(c):
    c.test("the manual page's explorer keys are the README's keys table")
    rk = readme_keys()
    secs = man_sections(read(MAN)) if os.path.exists(MAN) else {}
    mk = [" ".join(t.split()) for t in man_tags(secs.get("EXPLORER KEYS", []))]
    c.check(len(rk) >= 20, "README keys table read: %d rows" % len(rk))
    c.check(mk == rk, "man keys == README keys: only man %s, only README %s"
            % ([k for k in mk if k not in rk], [k for k in rk if k not in mk]))

    c.test("every key on the explorer's help screen is in the manual page")
    cols = explorer_help_keys()
    if not c.check(cols is not None and len(cols) >= 10,
                   "the help screen was read (tmux, %s): %r" % (FIRMWARE_HEX, cols)):
        return
    documented = set()
    for k in mk:
        documented.update(k.replace(",", " ").split())
    for col in cols:
        for tok in col.replace(",", " ").split():
            if tok in ("/", "or", "a-z", "...", "+", "letter"):
                continue
            c.check(tok in documented, "help key %r (%r) is in the man page's keys" % (tok, col))


# ---- bash completion ---------------------------------------------------------------

def complete(words, env=None):
    """COMPREPLY of _mpeek for the command line `words` (the last is being
    completed), in a clean bash."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; '
              'f=$(complete -p mpeek 2>/dev/null | sed -E "s/.*-F ([^ ]+).*/\\1/"); '
              '[ -n "$f" ] || { echo "NO COMPLETION FOR mpeek" >&2; exit 1; }; '
              '"$f" mpeek "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", COMPLETION]
                       + list(words), capture_output=True, text=True, timeout=60,
                       env=env, cwd=ROOT)
    return p.returncode, [x for x in p.stdout.splitlines() if x], p.stderr


def test_completion(c):
    c.test("bash completion: commands, options, values")
    if not c.check(os.path.exists(COMPLETION), "completion/mpeek.bash exists"):
        return
    if shutil.which("shellcheck"):
        p = subprocess.run(["shellcheck", "-s", "bash", COMPLETION], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 0, "shellcheck is quiet: %s" % p.stdout[:500])
    mp = mpeek_bin()
    h = help_text()
    rc, got, err = complete([mp, ""])
    c.check(rc == 0 and set(got) == help_commands(h),
            "commands: %s vs --help %s %r" % (sorted(got), sorted(help_commands(h)), err))
    rc, got, err = complete([mp, "-"])
    c.check(set(got) == help_options(h), "options: only completed %s, only in --help %s %r"
            % (sorted(set(got) - help_options(h)), sorted(help_options(h) - set(got)), err))
    rc, got, err = complete([mp, "--no-"])
    c.check(set(got) == {"--no-color", "--no-progress", "--no-cache"}, "prefix --no-: %s" % got)
    rc, got, err = complete([mp, "-p", "emu", "reg"])
    c.check(got == ["regions"], "a command after options: %s" % got)

    cfg = tempfile.mkdtemp(prefix="mpeek-cfg-")
    try:
        os.makedirs(os.path.join(cfg, "mpeek", "themes"))
        with open(os.path.join(cfg, "mpeek", "themes", "sunset.theme"), "w") as f:
            f.write("addr = red default none\n")
        env = dict(os.environ, XDG_CONFIG_HOME=cfg)
        rc, got, err = complete([mp, "--theme", ""], env=env)
        builtin = builtin_themes()
        c.check(builtin | {"sunset"} <= set(got),
                "--theme: built-in and own themes %s: %s %r" % (sorted(builtin), got, err))
        rc, got, err = complete([mp, "--theme", "m"], env=env)
        c.check(got == ["mono"], "--theme m: %s" % got)
    finally:
        shutil.rmtree(cfg, ignore_errors=True)

    rc, out, err, _ = mpeek(["regions", "--board", "list"], timeout=20)
    boards = {l.split()[0] for l in out.decode().splitlines() if l.strip()}
    rc, got, err = complete([mp, "--board", ""])
    c.check(len(boards) >= 3 and boards | {"list"} == set(got),
            "--board: %s vs %s %r" % (sorted(got), sorted(boards), err))
    rc, got, err = complete([mp, "regions", "--board", "rp"])
    c.check(set(got) == {b for b in boards if b.startswith("rp")}, "--board rp: %s" % got)

    rc, out, err, _ = mpeek(["ports"], timeout=20)
    ports = {l.split()[0] for l in out.decode().splitlines() if l.startswith("/")}
    rc, got, err = complete([mp, "-p", ""])
    c.check({"auto", "emu"} | ports <= set(got), "--port: %s, want ports %s" % (got, ports))
    rc, got, err = complete([mp, "--port", "e"])
    c.check("emu" in got and "execpty:" in got, "--port e: %s" % got)
    rc, got, err = complete([mp, "--port", "=", "em"])
    c.check(got == ["emu"], "--port=em: %s" % got)

    for words, want in ((["regions", "--format", ""], {"table", "csv", "json"}),
                        (["frozen", "--format", ""], {"table", "csv", "json"}),
                        (["read", "0", "16", "--format", ""], {"bin", "hex"}),
                        (["--method", ""], {"auto", "bin", "b64", "hex", "words"}),
                        (["--dtr", ""], {"on", "off"})):
        rc, got, err = complete([mp] + words)
        c.check(set(got) == want, "%s: %s" % (" ".join(words), got))

    rc, got, err = complete([mp, "open", "README.m"])
    c.check(got == ["README.md"], "open completes files: %s" % got)
    rc, got, err = complete([mp, "--image", "scripts/"])
    c.check("scripts/deps.sh" in got, "--image completes files: %s" % got)


# ---- make install / uninstall -------------------------------------------------------

def test_install(c):
    c.test("make install / uninstall with PREFIX and DESTDIR: man page and completion")
    dest = tempfile.mkdtemp(prefix="mpeek-destdir-")
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    try:
        rc, out, err, _ = run(make(["install", "PREFIX=/opt/mp", "DESTDIR=" + dest]),
                              timeout=300, env=env)
        c.check(rc == 0, "make install exits 0: %r" % err[-300:])
        man = os.path.join(dest, "opt/mp/share/man/man1/mpeek.1")
        comp = os.path.join(dest, "opt/mp/share/bash-completion/completions/mpeek")
        c.check(os.path.isfile(os.path.join(dest, "opt/mp/bin/mpeek")), "bin/mpeek installed")
        want = read(MAN).replace("/usr/local/share/mpeek", "/opt/mp/share/mpeek") \
            if os.path.exists(MAN) else None
        c.check(os.path.isfile(man) and read(man) == want,
                "share/man/man1/mpeek.1 installed")
        c.check(os.path.isfile(man) and "/opt/mp/share/mpeek/profiles" in read(man)
                and "/usr/local/share/mpeek" not in read(man),
                "the installed page names the data folder under PREFIX")
        c.check(os.path.isfile(comp) and os.path.exists(COMPLETION)
                and read(comp) == read(COMPLETION),
                "share/bash-completion/completions/mpeek installed")
        if shutil.which("man") and os.path.isfile(man):
            p = subprocess.run(["man", "-M", os.path.join(dest, "opt/mp/share/man"), "mpeek"],
                               capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, MANWIDTH="80", PAGER="cat", MANPAGER="cat"))
            c.check(p.returncode == 0 and "EXPLORER KEYS" in re.sub(r".\x08", "", p.stdout),
                    "man -M finds the installed page: %r" % p.stderr[:200])
        rc, out, err, _ = run(make(["uninstall", "PREFIX=/opt/mp", "DESTDIR=" + dest]),
                              timeout=120, env=env)
        c.check(rc == 0, "make uninstall exits 0: %r" % err[-300:])
        left = []
        for d, _, files in os.walk(dest):
            left += [os.path.join(d, f) for f in files]
        c.check(left == [], "uninstall leaves no files: %s" % left)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def mpeek_is_built(c):
    return c.check(os.path.exists(mpeek_bin()), "%s is built (make all)" % mpeek_bin())


TESTS = [
    ("test_make_run_installs_what_it_runs", test_make_run_installs_what_it_runs),
    ("test_emu_missing_messages", test_emu_missing_messages),
    ("test_man_page", test_man_page),
    ("test_same_lists", test_same_lists),
    ("test_heap_kinds", test_heap_kinds),
    ("test_keys", test_keys),
    ("test_completion", test_completion),
    ("test_install", test_install),
]


def main():
    return run_tests("docs", TESTS, before=mpeek_is_built)


if __name__ == "__main__":
    sys.exit(main())
