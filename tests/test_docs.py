"""The docs keep up with the code: every command, setting, component and pipeline class.

`docs/settings.md` is generated from the declared settings; after changing one, run
`make docs` (which runs this file with --write) and commit the result.
"""

import re
import sys
from pathlib import Path

import pytest
import typer

REPO = Path(__file__).resolve().parent.parent
SETTINGS_DOC = REPO / "docs" / "settings.md"


def _commands() -> list[str]:
    from cli import app

    root = typer.main.get_command(app)
    names = []
    for name, command in root.commands.items():
        subs = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subs] if subs else [name]
    return sorted(names)


def render_settings() -> str:
    """The settings reference, from each layer's one declared SETTINGS tuple."""
    import publish.mail
    import scheduler
    import store.db
    from crawler import defaults

    parts = ["# Settings reference", "",
             "Generated from the code by `make docs`; do not edit by hand.", ""]
    for title, where, settings in (
        ("Crawler (Scrapy settings)", "crawler/defaults.py", defaults.SETTINGS),
        ("Scheduler (`pcnwatch schedule --config FILE`)", "scheduler.py", scheduler.SETTINGS),
        ("Mail (environment variables)", "publish/mail.py", publish.mail.SETTINGS),
        ("Database (environment variables)", "store/db.py", store.db.SETTINGS),
    ):
        parts += [f"## {title}", "", f"Declared in `{where}`.", "",
                  "| name | default | what |", "| --- | --- | --- |"]
        for s in settings:
            default = "" if s.default is None else f"`{s.default!r}`"
            parts.append(f"| `{s.name}` | {default} | {s.help.replace('|', '/')} |")
        parts.append("")
    return "\n".join(parts)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme_and_has_help(command):
    from cli import app

    readme = (REPO / "README.md").read_text()
    assert f"pcnwatch {command.split()[0]}" in readme, f"README.md does not show {command}"
    root = typer.main.get_command(app)
    target = root
    for part in command.split():
        target = target.commands[part]
    assert (target.help or "").strip(), f"pcnwatch {command} has no help"


def test_settings_reference_is_current():
    assert SETTINGS_DOC.exists(), "docs/settings.md is missing: run `make docs`"
    stale = "docs/settings.md is stale: run `make docs`"
    assert SETTINGS_DOC.read_text() == render_settings(), stale


def test_every_setting_has_help():
    import publish.mail
    import scheduler
    import store.db
    from crawler import defaults

    for s in (*defaults.SETTINGS, *scheduler.SETTINGS, *publish.mail.SETTINGS,
              *store.db.SETTINGS):
        assert len(s.help) > 10, f"setting {s.name} needs a help line"


def test_every_spacy_factory_has_its_own_tests():
    factories = set()
    for path in (REPO / "nlp" / "components").glob("*.py"):
        factories |= set(re.findall(r'@Language\.factory\(\s*"pcnwatch_(\w+)"', path.read_text()))
    assert factories, "no pcnwatch_* factories found"
    for name in factories:
        assert (REPO / "tests" / f"test_nlp_{name}.py").exists(), f"pcnwatch_{name} has no tests"


def test_every_crawler_component_is_tested():
    import crawler.middlewares
    import crawler.pipelines

    tests = "\n".join(p.read_text() for p in (REPO / "tests").glob("test_crawler_*.py"))
    for module in (crawler.pipelines, crawler.middlewares):
        for name in dir(module):
            obj = getattr(module, name)
            if (isinstance(obj, type) and obj.__module__ == module.__name__
                    and not name.startswith("_")
                    and (name.endswith("Pipeline") or name.endswith("Middleware"))):
                assert name in tests, f"{module.__name__}.{name} is named in no crawler test"


if __name__ == "__main__" and "--write" in sys.argv:
    SETTINGS_DOC.parent.mkdir(exist_ok=True)
    SETTINGS_DOC.write_text(render_settings())
    print(f"wrote {SETTINGS_DOC}")
