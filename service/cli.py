"""The `triage` command line: parses arguments and calls the library; no logic of its own."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from triage.errors import TriageError

app = typer.Typer(help="Reads social prescribing referral notes: needs, risk flags and suggestions.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
assets_app = typer.Typer(help="The community asset directory.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
users_app = typer.Typer(help="People and systems that may call the service, and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

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
def assets_import(path: Annotated[Path, typer.Argument(exists=True, help="CSV, Open Referral JSON, or an Open Referral CSV package folder")],
                  replace: Annotated[bool, typer.Option("--replace", help="remove assets not in the file")] = False,
                  fmt: Annotated[str, typer.Option("--format", help="auto, csv or openreferral")] = "auto") -> None:
    """Import a directory (validated whole; nothing is written if any record is bad)."""
    engine = _engine()
    try:
        report = engine.import_assets(path, replace=replace, fmt=fmt)  # type: ignore[arg-type]
    except TriageError as e:
        _fail(str(e))
    finally:
        engine.close()
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(json.dumps({k: v for k, v in report.__dict__.items() if k != "warnings"}
                          | {"warnings": len(report.warnings)}))


@assets_app.command("export")
def assets_export(fmt: Annotated[str, typer.Option("--format", help="csv or openreferral")] = "csv") -> None:
    """Write the directory to standard output as our CSV or an Open Referral UK /services page."""
    try:
        sys.stdout.write(_engine().export_assets(fmt))  # type: ignore[arg-type]
    except TriageError as e:
        _fail(str(e))


def _users():  # type: ignore[no-untyped-def]
    from triage.settings import Settings
    from triage.store.db import open_database
    from triage.store.users import UserRepository

    settings = Settings()
    settings.ensure_home()
    return UserRepository(open_database(settings.resolved_database_url).sessions)


@users_app.command("create")
def users_create(name: Annotated[str, typer.Argument(help="a unique user name")],
                 role: Annotated[str, typer.Option("--role", help="referrer, link_worker, data_scientist or admin")],
                 org: Annotated[str, typer.Option("--org", help="organisation (required for a referrer)")] = "") -> None:
    """Create a user; the token is printed once, alone on the last line, and only its hash is kept."""
    try:
        user, token = _users().create(name, role, org)
    except TriageError as e:
        _fail(str(e))
    typer.echo(f"created {user.name} ({user.role}{', ' + user.organisation if user.organisation else ''}); "
               "the token below is shown once:", err=True)
    typer.echo(token)


@users_app.command("list")
def users_list() -> None:
    """Users, their role, organisation and whether their token is revoked (never the token)."""
    for user in _users().list():
        state = f"revoked {user.revoked_at:%Y-%m-%d %H:%M}" if user.revoked_at else "active"
        typer.echo(f"{user.name}\t{user.role}\t{user.organisation or '-'}\t{state}")


@users_app.command("revoke")
def users_revoke(name: Annotated[str, typer.Argument(help="the user whose token stops working")]) -> None:
    """Revoke a user's token at once."""
    try:
        user = _users().revoke(name)
    except TriageError as e:
        _fail(str(e))
    typer.echo(f"revoked {user.name}")


def _day(value: str, option: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: '{value}' is not a date; give YYYY-MM-DD")


@app.command()
def report(start: Annotated[str, typer.Option("--from", help="first day of referrals, YYYY-MM-DD")],
           end: Annotated[str, typer.Option("--to", help="last day of referrals (included), YYYY-MM-DD")],
           fmt: Annotated[str, typer.Option("--format", help="html, pdf or png")] = "html",
           output: Annotated[Path | None, typer.Option(help="file to write (default report.FORMAT)")] = None) -> None:
    """A report for commissioners: referrals by source and need, time to first contact, uptake per need and
    per service, change in ONS4 / SWEMWBS with 95% CIs. Counts under 5 are shown as '<5'."""
    from triage.outcomes.report import FORMATS, write_report
    from triage.settings import Settings

    if fmt not in FORMATS:
        _fail(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    try:
        written = write_report(Settings(), start=_day(start, "--from"), end=_day(end, "--to"), fmt=fmt,  # type: ignore[arg-type]
                               output=output or Path(f"report.{fmt}"))
    except TriageError as e:
        _fail(str(e))
    typer.echo(str(written))


@app.command("export-outcomes")
def export_outcomes(start: Annotated[str, typer.Option("--from", help="first day of referrals, YYYY-MM-DD")],
                    end: Annotated[str, typer.Option("--to", help="last day (included), YYYY-MM-DD")]) -> None:
    """De-identified outcomes as CSV on standard output, for evaluators: a keyed pseudonym per referral,
    the month, source type, needs, services, stages, wellbeing scores; no text, names, dates or places."""
    from triage.outcomes.export import export_csv, installation_salt
    from triage.settings import Settings

    settings = Settings()
    try:
        sys.stdout.write(export_csv(settings, start=_day(start, "--from"), end=_day(end, "--to"),
                                    salt=installation_salt(settings)))
    except TriageError as e:
        _fail(str(e))


@app.command("export-feedback")
def export_feedback(output: Annotated[Path | None, typer.Option(help="file to write (default: standard output)")] = None,
                    start: Annotated[str | None, typer.Option("--from", help="first day of referrals, YYYY-MM-DD")] = None,
                    end: Annotated[str | None, typer.Option("--to", help="last day (included), YYYY-MM-DD")] = None) -> None:
    """Link workers' decisions as redacted JSON Lines for retraining: per reviewed referral, the note
    (names, numbers, contacts and addresses redacted), the needs the model gave and the needs after review,
    and each suggestion accepted or rejected with its ranking features and the model version."""
    from triage.feedback.export import export_feedback as run_export
    from triage.feedback.export import write_lines
    from triage.settings import Settings

    try:
        lines = run_export(Settings(), start=_day(start, "--from") if start else None,
                           end=_day(end, "--to") if end else None)
    except TriageError as e:
        _fail(str(e))
    if output is None:
        sys.stdout.write("".join(lines))
    else:
        write_lines(lines, output)
    typer.echo(f"{len(lines)} feedback lines{f' written to {output}' if output else ''}", err=True)


@app.command()
def init() -> None:
    """Prepare the data directory: database, index and demo directory."""
    engine = _engine()
    typer.echo(f"data directory {engine.settings.home.resolve()}: {engine.catalogue.index.size} assets, "
               f"model {engine.model_name}")


@app.command()
def train(output: Annotated[Path | None, typer.Option(help="new model folder (default models/<dated name>)")] = None,
          track: Annotated[bool, typer.Option(help="log the run to MLflow and register the model")] = True,
          set_default: Annotated[bool, typer.Option("--set-default", help="make it the shipped default")] = False,
          with_feedback: Annotated[Path | None, typer.Option("--with-feedback",
                                                             help="a `triage export-feedback` file to learn from")] = None,
          feedback_weight: Annotated[float, typer.Option(min=0.1, max=20.0,
                                                         help="how much a reviewed note counts")] = 2.0,
          head_epochs: Annotated[int | None, typer.Option(min=0, max=50, help="encoder fine-tuning epochs (0: n-gram "
                                                                              "model only, minutes faster) "
                                                                              "[default: HEAD_EPOCHS in training/train.py]")] = None,
          limit: Annotated[int | None, typer.Option(min=10, help="train and tune on the first N notes only "
                                                                 "(quick trials)")] = None) -> None:
    """Train on the train split (plus reviewed feedback, weighted, a fixed slice held out), tune on dev, save
    a new model folder, log it to MLflow and register it as the `challenger`."""
    from training.pipeline import run_training

    try:
        summary = run_training(output, track=track, set_default=set_default, feedback_path=with_feedback,
                               feedback_weight=feedback_weight, head_epochs=head_epochs, limit=limit)
    except TriageError as e:
        _fail(str(e))
    typer.echo(json.dumps(summary, indent=2))


@app.command()
def promote(version: Annotated[str, typer.Argument(help="the registered version of triage-needs to promote")],
            force: Annotated[bool, typer.Option("--force", help="promote even if the gate refuses")] = False,
            reason: Annotated[str, typer.Option(help="why (required with --force)")] = "",
            by: Annotated[str | None, typer.Option("--by", help="who decides (default: the login name)")] = None,
            feedback: Annotated[Path | None, typer.Option(help="feedback export for the holdout (default: the one "
                                                               "the version was trained with)")] = None) -> None:
    """Compare VERSION with the champion on the test split and the feedback holdout; move the alias
    `champion` only if macro-F1 and risk-flag recall do not drop. Exit 1 when refused."""
    from training.promotion import promote as run_promotion
    from training.promotion import render
    from triage.settings import Settings

    try:
        result = run_promotion(Settings(), version, force=force, actor=by, reason=reason, feedback_path=feedback)
    except TriageError as e:
        _fail(str(e))
    typer.echo(render(result))
    if result.decision == "refused":
        raise typer.Exit(1)


@app.command()
def rollback(to: Annotated[str | None, typer.Option(help="version to serve (default: the previous champion)")] = None,
             reason: Annotated[str, typer.Option(help="why, for the record")] = "",
             by: Annotated[str | None, typer.Option("--by", help="who decides (default: the login name)")] = None) -> None:
    """Give the alias `champion` back to the previous champion (no gate: a rollback is an override)."""
    from training.promotion import render
    from training.promotion import rollback as run_rollback
    from triage.settings import Settings

    try:
        typer.echo(render(run_rollback(Settings(), actor=by, to=to, reason=reason)))
    except TriageError as e:
        _fail(str(e))


@app.command()
def models() -> None:
    """The registered versions of triage-needs, newest first, with their aliases and promotion records."""
    from datetime import UTC, datetime

    from training.registry import list_versions
    from triage.settings import Settings

    for v in list_versions(Settings()):
        made = datetime.fromtimestamp(v.created / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        record = v.tags.get("gate", "")
        typer.echo(f"v{v.version}\t{made}\t{','.join(v.aliases) or '-'}\t{record}")


@app.command()
def evaluate(split: Annotated[str, typer.Option(help="train, dev or test")] = "test",
             model: Annotated[Path | None, typer.Option(help="model folder (default: shipped)")] = None) -> None:
    """Per-label precision / recall / F1 of the model beside the keyword and zero-shot baselines."""
    from training.evaluate import evaluate as run_evaluation
    from training.evaluate import render

    try:
        typer.echo(render(run_evaluation(split, model)))
    except (TriageError, ValueError) as e:
        _fail(str(e))


@app.command("evaluate-matching")
def evaluate_matching(model: Annotated[Path | None, typer.Option(help="model folder (default: shipped)")] = None,
                      cases: Annotated[Path | None, typer.Option(help="matching set JSON Lines (default: the shipped set)")] = None,
                      track: Annotated[bool, typer.Option(help="log the figures to MLflow")] = True) -> None:
    """nDCG@5, hit@5 and precision@5 of the ranker (end to end and with gold needs) beside TF-IDF and
    embedding baselines, on the matching set against the demo directory."""
    from training.evaluate_matching import evaluate_matching as run_evaluation
    from training.evaluate_matching import render

    try:
        result = run_evaluation(model, **({"path": cases} if cases else {}))
    except (TriageError, ValueError) as e:
        _fail(str(e))
    typer.echo(render(result))
    if track:
        from training.tracking import log_matching_run
        from triage.settings import Settings

        typer.echo(f"MLflow run {log_matching_run(Settings(), result.params, result.metrics())}")


@app.command()
def serve(host: Annotated[str | None, typer.Option()] = None,
          port: Annotated[int | None, typer.Option()] = None) -> None:
    """Start the HTTP service (uvicorn)."""
    import uvicorn

    from triage.settings import Settings

    settings = Settings()
    uvicorn.run("service.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, log_level="info", timeout_graceful_shutdown=30)


if __name__ == "__main__":
    app()
