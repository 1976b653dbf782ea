"""Every command and option is documented (the sqlite-utils way): the reference in docs/cli.md is
generated from the commands and must be current; every command has an example, every option a
help text, and the README names every top-level command."""
from __future__ import annotations

from pathlib import Path

import click

from nianbao.cli import main
from nianbao.cli_docs import reference, walk

ROOT = Path(__file__).resolve().parents[1]


def test_reference_is_current() -> None:
    doc = ROOT / "docs" / "cli.md"
    assert doc.exists(), "docs/cli.md is missing: python -m nianbao.cli_docs > docs/cli.md"
    assert doc.read_text(encoding="utf-8").strip() == reference().strip(), \
        "docs/cli.md is out of date: python -m nianbao.cli_docs > docs/cli.md"


def test_every_command_has_an_example_and_every_option_a_help() -> None:
    missing = []
    for path, cmd, _ctx in walk(main, []):
        name = " ".join(["nianbao", *path])
        if not isinstance(cmd, click.Group) or path:
            if not isinstance(cmd, click.Group) and not (cmd.help and "Example" in cmd.help):
                missing.append(f"{name}: no example in its help")
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.help and p.name not in ("help",):
                missing.append(f"{name} {p.opts[0]}: no help text")
    assert not missing, "\n".join(missing)


def test_readme_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    absent = [n for n in main.commands if f"nianbao {n}" not in readme]
    assert not absent, f"README does not mention: {absent}"
