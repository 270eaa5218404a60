"""The `triage` command line: parses arguments and calls the library; no logic of its own."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from triage.errors import TriageError

app = typer.Typer(help="Reads social prescribing referral notes: needs, risk flags and suggestions.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
assets_app = typer.Typer(help="The community asset directory.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")

InputFile = Annotated[str, typer.Argument(help="JSON Lines file, or - for standard input")]


def _engine():  # type: ignore[no-untyped-def]
    from triage.engine import Triage

    return Triage()


def _lines(path: str) -> tuple[list[str], str]:
    if path == "-":
        return sys.stdin.read().splitlines(), "stdin"
    try:
        return Path(path).read_text(encoding="utf-8").splitlines(), path
    except (OSError, UnicodeDecodeError) as e:
        _fail(f"cannot read '{path}': {e}")


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _emit(models: list) -> None:  # type: ignore[type-arg]
    for model in models:
        sys.stdout.write(model.model_dump_json() + "\n")


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    from triage.nlp.redact import install_log_redaction

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()


@app.command()
def classify(file: InputFile = "-") -> None:
    """Needs and risk flags for each line {"id", "text"}."""
    from triage.jsonlines import read_referrals

    lines, source = _lines(file)
    try:
        referrals = read_referrals(lines, source=source)
        _emit(_engine().classify(referrals))
    except TriageError as e:
        _fail(str(e))


@app.command()
def match(file: InputFile = "-",
          top: Annotated[int, typer.Option("--top", min=1, max=50, help="suggestions per referral")] = 5) -> None:
    """Needs, risk flags and ranked suggestions for each line (optional age, latitude, longitude,
    language, delivery; optional needs to skip classification)."""
    from triage.jsonlines import read_referrals

    lines, source = _lines(file)
    try:
        referrals = read_referrals(lines, source=source)
        _emit(_engine().match(referrals, top=top))
    except TriageError as e:
        _fail(str(e))


@assets_app.command("import")
def assets_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
                  replace: Annotated[bool, typer.Option("--replace", help="remove assets not in the file")] = False) -> None:
    """Import a directory CSV (validated whole; nothing is written if any row is bad)."""
    try:
        report = _engine().import_assets(file, replace=replace)
    except TriageError as e:
        _fail(str(e))
    typer.echo(json.dumps(report.__dict__))


@assets_app.command("export")
def assets_export() -> None:
    """Write the directory as CSV to standard output."""
    from triage.matching.directory import write_assets_csv

    catalogue = _engine().catalogue
    sys.stdout.write(write_assets_csv(s.asset for s in catalogue.repository.all()))


@app.command()
def init() -> None:
    """Prepare the data directory: database, index and demo directory."""
    engine = _engine()
    typer.echo(f"data directory {engine.settings.home.resolve()}: {engine.catalogue.index.size} assets, "
               f"model {engine.model_name}")


@app.command()
def train(output: Annotated[Optional[Path], typer.Option(help="new model folder (default models/<dated name>)")] = None,
          track: Annotated[bool, typer.Option(help="log the run to MLflow and register the model")] = True,
          set_default: Annotated[bool, typer.Option("--set-default", help="make it the shipped default")] = False) -> None:
    """Train on the train split, tune on dev, save a new model folder and log it to MLflow."""
    from training.pipeline import run_training

    try:
        summary = run_training(output, track=track, set_default=set_default)
    except TriageError as e:
        _fail(str(e))
    typer.echo(json.dumps(summary, indent=2))


@app.command()
def evaluate(split: Annotated[str, typer.Option(help="train, dev or test")] = "test",
             model: Annotated[Optional[Path], typer.Option(help="model folder (default: shipped)")] = None) -> None:
    """Per-label precision / recall / F1 of the model beside the keyword and zero-shot baselines."""
    from training.evaluate import evaluate as run_evaluation
    from training.evaluate import render

    try:
        typer.echo(render(run_evaluation(split, model)))
    except (TriageError, ValueError) as e:
        _fail(str(e))


@app.command()
def serve(host: Annotated[Optional[str], typer.Option()] = None,
          port: Annotated[Optional[int], typer.Option()] = None) -> None:
    """Start the HTTP service (uvicorn)."""
    import uvicorn

    from triage.settings import Settings

    settings = Settings()
    uvicorn.run("service.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, log_level="info")


if __name__ == "__main__":
    app()
