"""``nianbao demo``: the main job on bundled sample data."""
from __future__ import annotations

import random

import click


@click.command()
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Where to write the generated sample reports (default: <home>/samples).")
@click.pass_obj
def demo(obj, out: str | None) -> None:
    """Generate sample reports in four layouts, parse them and print their tables.

    \b
    Example:
      nianbao demo
    """
    from pathlib import Path

    from extract import extract
    from nianbao.output import format_report
    from portal.render import LAYOUTS
    from portal.synth import random_report

    home = obj.home()
    folder = Path(out) if out else home.home / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2024)
    for (layout, fn), (agency, year) in zip(LAYOUTS.items(), [("示例县财政局", 2023), ("示例市人民政府", 2022),
                                                              ("示例镇人民政府", 2021), ("示例县教育局", 2020)]):
        rep = random_report(rng, agency, year)
        path = folder / f"{agency}-{year}-{layout}.{'html' if layout == 'html' else 'txt'}"
        path.write_text(fn(rep), encoding="utf-8")
        click.echo(format_report(extract(path.read_bytes(), filename=path.name), str(path)))
        click.echo("")


COMMANDS = [demo]
