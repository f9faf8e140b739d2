"""The documentation against the code: docs/config.md is what docs/make_config_reference.py
writes from the schema, and the commented example config names every training rule."""
import importlib.util
import re

from helpers import ROOT

from bpnet.config import schema
from bpnet.train.rules import RULES


def _config_reference():
    spec = importlib.util.spec_from_file_location("make_config_reference",
                                                  ROOT / "docs/make_config_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_reference_is_current():
    """docs/config.md is regenerated in memory and compared: a key added to the schema, a
    default or a description changed, makes this fail until the script is rerun."""
    expected = _config_reference().render()
    assert (ROOT / "docs/config.md").read_text() == expected, \
        "docs/config.md is out of date: run python docs/make_config_reference.py"


def test_config_reference_documents_every_key():
    """Every key of every block has its row, with the text of schema.DOCS."""
    text = (ROOT / "docs/config.md").read_text()
    for path, doc in schema.DOCS.items():
        key = path.rsplit(".", 1)[-1]
        assert f"| `{key}` |" in text or f"The `{path}` block. {doc}" in text, path
    for rule in schema.ALGORITHMS:
        assert f"| `{rule}` |" in text


def test_example_config_names_every_rule():
    """The comment on train.algorithm in configs/passengers.yaml lists every rule bpnet has."""
    line = next(x for x in (ROOT / "configs/passengers.yaml").read_text().splitlines()
                if re.match(r"\s*algorithm:", x))
    named = set(re.findall(r"\w+", line.split("#", 1)[1]))
    assert set(RULES) <= named, sorted(set(RULES) - named)


# ---- links and commands of README.md and docs/*.md ----

import contextlib  # noqa: E402
import io  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from bpnet import cli, sweepcli  # noqa: E402

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~)")
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
PLACEHOLDER = re.compile(r"\bCONFIG\b|\bMODEL\b|<\w|\[--")


def slug(heading: str) -> str:
    """The anchor GitHub makes of a heading: its text without markup, lower case, without
    punctuation but - and _, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>|[`*]", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def prose(path: Path) -> list[tuple[int, str]]:
    """The lines of a page outside fenced code blocks, with their numbers."""
    out, fenced = [], False
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            out.append((n, line))
    return out


def anchors(path: Path) -> set[str]:
    """Every #anchor of a page: its headings' (duplicates numbered as GitHub numbers them)
    and its explicit <a id=...> / <a name=...>."""
    found: set[str] = set()
    for _, line in prose(path):
        m = re.match(r"#{1,6} (.+)", line)
        if m:
            base = slug(m.group(1))
            name, i = base, 0
            while name in found:
                i += 1
                name = f"{base}-{i}"
            found.add(name)
        found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line))
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """The targets of the page's markdown links and pictures, outside code."""
    out = []
    for n, line in prose(path):
        line = re.sub(r"`[^`]*`", "", line)
        out += [(n, t) for t in re.findall(r"\]\(([^)\s]+)\)", line)]
    return out


def test_every_relative_link_resolves():
    """Every relative link of README.md and docs/*.md names a file or folder that exists and,
    after #, an anchor that page has."""
    bad = []
    for page in PAGES:
        for n, target in links(page):
            if re.match(r"[a-z]+:", target):
                continue   # http(s):, mailto:
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            where = f"{page.relative_to(ROOT)}:{n}: {target}"
            if not dest.exists():
                bad.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                bad.append(f"{where}: no such anchor")
    assert not bad, "\n".join(bad)


def test_link_check_sees_a_broken_anchor(tmp_path):
    """The check itself: an anchor made from a heading resolves, a missing one does not."""
    page = tmp_path / "p.md"
    page.write_text("## The `--view` page: live!\n\n[a](#the---view-page-live) [b](#nope)\n")
    assert anchors(page) == {"the---view-page-live"}
    assert [t for _, t in links(page)] == ["#the---view-page-live", "#nope"]


def code_blocks(path: Path) -> list[tuple[int, list[str], str | None]]:
    """Each fenced block: its first line's number, its lines, and the reason it is not run
    (an HTML comment ``<!-- not run: why -->`` on the line before it), else None."""
    lines = path.read_text().splitlines()
    blocks, start = [], None
    for i, line in enumerate(lines):
        if FENCE.match(line.lstrip()):
            if start is None:
                start = i
            else:
                before = lines[start - 1] if start else ""
                reason = NOT_RUN.search(before)
                blocks.append((start + 2, lines[start + 1:i], reason and reason.group(1)))
                start = None
    return blocks


def commands(block: list[str]) -> list[tuple[list[str], str | None]]:
    """The ``python run.py`` commands of a block, each with the ``error:`` line shown after it
    (None: the command succeeds). Continued lines (``\\``) are joined, ``&&`` chains split."""
    joined, buf = [], ""
    for line in block:
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        joined.append(buf + line)
        buf = ""
    out: list[tuple[list[str], str | None]] = []
    for line in joined:
        text = line.strip()
        if text.startswith("$ "):
            text = text[2:]
        parts = [p.strip() for p in text.split("&&")]
        run = [shlex.split(p, comments=True) for p in parts if p.startswith("python run.py")]
        if run:
            out += [(argv[2:], None) for argv in run]
        elif out and text.startswith("error: ") and out[-1][1] is None:
            out[-1] = (out[-1][0], text)
        elif text.startswith("$ ") or line.startswith("$ "):
            pass
    return out


def fast(argv: list[str]) -> list[str]:
    """The command in one process (the configs are cut short too); its pictures are drawn,
    since a picture may be what a later command must not overwrite."""
    if argv and argv[0] in ("predict", "forecast", "export") or "--jobs" in argv:
        return argv
    return argv + ["--jobs", "1"]


def fast_copy(tmp: Path) -> Path:
    """A copy of the configs and data the pages use, every ``epochs:`` cut to 3 and every
    ``runs:`` to 2 (a cut the documented commands do not otherwise make)."""
    for part in ("configs", "data", "docs/messy", "docs/example"):
        shutil.copytree(ROOT / part, tmp / part)
    for yaml_file in [*tmp.glob("configs/*.yaml"), *tmp.glob("docs/messy/*.yaml")]:
        text = yaml_file.read_text()
        text = re.sub(r"\bepochs:\s*\d+", "epochs: 3", text)
        text = re.sub(r"\bruns:\s*(\d+)", lambda m: f"runs: {min(int(m.group(1)), 2)}", text)
        yaml_file.write_text(text)
    return tmp


def run_command(argv: list[str]) -> tuple[int, str]:
    """``python run.py ARGV`` as run.py runs it (its main), in this process: status, stderr."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, err.getvalue()


def _masked(message: str) -> str:
    """An error line without what belongs to the machine: numbers and absolute paths."""
    return re.sub(r"\d+", "#", re.sub(r"(?<=\s)/\S+", "/PATH", message))


def documented_commands() -> list[tuple[str, list[str], str | None]]:
    """Every command of a block that runs: (page:line, argv, the error: line shown); a
    command shown again right after itself (the README's set-up line and its demo) once."""
    out: list[tuple[str, list[str], str | None]] = []
    for page in PAGES:
        for line, block, reason in code_blocks(page):
            if reason is None:
                out += [(f"{page.relative_to(ROOT)}:{line}", argv, error)
                        for argv, error in commands(block)
                        if not out or (argv, error) != out[-1][1:]]
    return out


def test_every_documented_command_runs(tmp_path, monkeypatch):
    """Every ``python run.py`` command shown in a code block of README.md and docs/*.md,
    README first and then the pages in name order (a later command may use what an earlier
    one wrote), runs in a fast copy and ends as the page shows it: status 2 and the ``error:``
    line shown (numbers and absolute paths aside) when one is shown, else status 0."""
    monkeypatch.chdir(fast_copy(tmp_path))
    found = documented_commands()
    assert len(found) >= 10
    bad = []
    for where, argv, error in found:
        status, err = run_command(fast(argv))
        want = 2 if error else 0
        shown = next((x for x in err.splitlines() if x.startswith("error: ")), None)
        if status != want or (error and _masked(shown or "") != _masked(error)):
            bad.append(f"{where}: python run.py {shlex.join(argv)}: status {status}, "
                       f"want {want}; {err.strip()[:300]}")
    assert not bad, "\n".join(bad)


def _parser(argv: list[str]):
    if argv[0] == "sweep":
        return sweepcli.parser(), argv[1:]
    if argv[0] in ("predict", "forecast"):
        return cli._use_parser(argv[0]), argv[1:]
    if argv[0] == "export":
        return cli._export_parser(), argv[1:]
    return cli._parser(), argv


def test_every_inline_command_parses():
    """A ``python run.py`` command written inline has arguments run.py takes, and the config
    file it names under configs/ or docs/ exists (the blocks above are run; these are not)."""
    bad = []
    for page in PAGES:
        for n, line in prose(page):
            for span in re.findall(r"`(python run\.py [^`]+)`", line):
                argv = shlex.split(span)[2:]
                if PLACEHOLDER.search(span) or argv in (["sweep"], ["predict"], ["forecast"]):
                    continue   # a form or the name of a command, not a command
                parser, args = _parser(argv)
                try:
                    parsed = parser.parse_args(args)
                except SystemExit:
                    bad.append(f"{page.name}:{n}: {span}: arguments run.py does not take")
                    continue
                config = getattr(parsed, "config", None)
                if config and config.startswith(("configs/", "docs/")) and \
                        not (ROOT / config).exists() and "sweep/" not in config:
                    bad.append(f"{page.name}:{n}: {span}: no {config}")
    assert not bad, "\n".join(bad)


def test_command_parser_reads_the_shown_error():
    """The check itself: a block's commands, their && chains and the error: line shown."""
    block = ["$ python run.py a.yaml --set 'x=[1, 2]'   # a comment", "data: ...",
             "error: a.yaml: x: bad", "python3 -m venv v && python run.py b.yaml"]
    assert commands(block) == [(["a.yaml", "--set", "x=[1, 2]"], "error: a.yaml: x: bad"),
                               (["b.yaml"], None)]


def test_code_citations_name_anchors_of_the_semantics():
    """Every anchor of docs/semantics.md that the code, tests, benchmarks, configs and pages
    cite (and every one listed after it: ", #trainbr") is a section of docs/semantics.md."""
    known = anchors(ROOT / "docs/semantics.md")
    bad = []
    for part in ("bpnet", "tests", "benchmarks", "configs", "docs"):
        for path in sorted((ROOT / part).rglob("*")):
            if path.suffix not in (".py", ".yaml", ".sh", ".md") or not path.is_file():
                continue
            text = path.read_text()
            for m in re.finditer(r"docs/semantics\.md#([\w-]+)((?:(?:, | and | to )#[\w-]+)*)",
                                 text):
                names = [m.group(1), *re.findall(r"#([\w-]+)", m.group(2))]
                bad += [f"{path.relative_to(ROOT)}: #{n}" for n in names if n not in known]
    assert not bad, "\n".join(bad)
