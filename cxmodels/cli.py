"""The `cxmodels` command line: the one place that wires the library, `training` and `serving` together.

Typer gives typed options, `--help` for every command and clean exit codes with
little code. Commands import their implementation lazily so `cxmodels --help`
stays fast and the library never imports MLflow unless a command needs it.

Any CxmodelsError (or an OSError such as an unreadable file) ends the command with one
line on stderr and the error's exit status (1 a problem with the data, a model or the
store; 2 a wrong option or configuration, or a dataset with structural problems); a
dataset that breaks the contract prints its validation report. `cxmodels --debug ...`
shows the traceback instead.
"""

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from cxmodels.errors import EXIT_PROBLEM, CxmodelsError

DEBUG = "debug"  # the key of --debug in the click context's meta, shared by every subcommand


class _Commands(TyperGroup):
    """The command group: user errors become one line and an exit status, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (CxmodelsError, OSError) as error:
            if ctx.meta.get(DEBUG):
                raise
            from cxmodels.data import DataValidationError

            message = error.report.to_text() if isinstance(error, DataValidationError) else f"Error: {error}"
            typer.echo(message, err=True)
            raise typer.Exit(getattr(error, "exit_code", EXIT_PROBLEM)) from None


app = typer.Typer(
    cls=_Commands,
    help="Churn, customer lifetime value and CX KPIs from customer interaction logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(ctx: typer.Context,
         debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")] = False,
         verbose: Annotated[bool, typer.Option(
             "--verbose", help="Show the libraries' logs, warnings and download bars (MLflow, its database) "
                               "instead of writing them to mlruns/cxmodels.log.")] = False) -> None:
    """Churn, customer lifetime value and CX KPIs from customer interaction logs."""
    ctx.meta[DEBUG] = debug
    if not verbose:
        from cxmodels.console import quiet

        ctx.with_resource(quiet(uses_mlflow=ctx.invoked_subcommand in ("train", "score", "drivers", "whatif")))

sample_app = typer.Typer(help="Write real sample datasets in the contract format.", no_args_is_help=True)
app.add_typer(sample_app, name="sample")

DataDir = Annotated[Path, typer.Argument(help="Dataset folder in the format of docs/data-contract.md.")]
OutDir = Annotated[Path, typer.Argument(help="Folder to write the dataset to (created if missing).")]


@app.command()
def validate(
    data_dir: DataDir,
    quarantine: Annotated[
        Path | None, typer.Option(help="Write rejected rows here, with a `reason` column, and go on.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the report as JSON to this file.")] = None,
) -> None:
    """Check a dataset against the data contract and report every problem.

    Exit status: 0 valid (or row problems quarantined), 1 row problems, 2 structural problems.
    """
    from cxmodels.data.validate import validate_dataset

    result = validate_dataset(data_dir, quarantine_dir=quarantine, keep_rows=False)  # the report only: bounded memory
    _show_report(result.report, report)
    raise typer.Exit(result.report.exit_code)


def _show_report(validation, path: Path | None) -> None:
    """Print a validation report, and write it as JSON to `path` when given."""
    typer.echo(validation.to_text())
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(validation.to_json())
        typer.echo(f"JSON report written to {path}")


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="The export: a folder of files, or one file.")],
    out: Annotated[Path, typer.Option(help="Dataset folder to write: one Parquet file per contract table.")],
    mapping: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="TOML mapping of the export's files and columns "
                                          "(docs/bring-your-own-data.md).")] = None,
    preset: Annotated[str | None, typer.Option(help="A built-in mapping instead: online-retail.")] = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Write rejected rows here, with a `reason` column, and go on.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the report as JSON to this file.")] = None,
) -> None:
    """Turn an export (order lines, helpdesk tickets, web events, ...) into a contract dataset, validating as it
    goes: the same report, quarantine and exit status as `validate`.
    """
    from cxmodels.data.importer import import_dataset
    from cxmodels.data.mapping import load_mapping, preset_mapping

    if (mapping is None) == (preset is None):
        raise typer.BadParameter("give either --mapping FILE or --preset NAME")
    rules = load_mapping(mapping) if mapping is not None else preset_mapping(preset)
    result = import_dataset(source, rules, out, quarantine_dir=quarantine)
    _show_report(result.report, report)
    for table, text in result.grouped.items():
        typer.echo(f"{table}: {text}")
    if result.written:
        typer.echo(f"Wrote {out}: {', '.join(path.name for path in result.written)}")
    raise typer.Exit(result.report.exit_code)


@app.command()
def simulate(
    out_dir: OutDir,
    customers: Annotated[int, typer.Option(min=1, help="Number of customers.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives identical files.")] = 0,
    contractual: Annotated[bool, typer.Option(help="Subscription world: write a cancellations table.")] = False,
    dirty_fraction: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of rows to corrupt, of every kind the contract names.")
    ] = 0.0,
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    partitions: Annotated[int, typer.Option(
        min=1, help="Write each table (and truth) as a folder of this many Parquet parts of independent customers, "
                    "one part in memory at a time (docs/data-contract.md#tables-in-parts).")] = 1,
) -> None:
    """Simulate a customer world in the contract format, with its ground truth in OUT_DIR/truth/."""
    from cxmodels.simulate import simulate as run_simulation
    from cxmodels.simulate import write_world
    from cxmodels.simulate.parts import simulate_parts, write_parts

    options = {"seed": seed, "contractual": contractual, "dirty_fraction": dirty_fraction}
    if partitions == 1:
        world = run_simulation(customers, **options)
        write_world(world, out_dir, file_format=file_format)
        counts = {name: len(frame) for name, frame in world.tables.items()}
    elif file_format != "parquet":
        raise typer.BadParameter("parts are Parquet files: leave out --format, or write one file per table with "
                                 "--partitions 1", param_hint="--format")
    else:
        counts = write_parts(simulate_parts(customers, partitions, **options), out_dir)
    shown = ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    typer.echo(f"Wrote {out_dir}: {shown}{f' in {partitions} parts' if partitions > 1 else ''}; ground truth in "
               f"{out_dir / 'truth'}")


@sample_app.command("cdnow")
def sample_cdnow(
    out_dir: OutDir,
    sample: Annotated[bool, typer.Option("--sample", help="The 2,357-customer sample instead of all 23,570.")] = False,
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "csv",
) -> None:
    """Write the CDNOW purchase log (shipped with lifetimes) as a contract dataset."""
    from cxmodels.data.io import write_tables
    from cxmodels.data.samples import cdnow

    tables = cdnow(sample=sample)
    write_tables(tables, out_dir, file_format=file_format)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    typer.echo(f"Wrote {out_dir}: {counts}")


@sample_app.command("donations")
def sample_donations(
    out_dir: OutDir,
    file_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "csv",
) -> None:
    """Write the donations of Fader, Hardie & Shang (2010) (shipped with lifetimes) as a contract dataset: one
    donation a row, yearly 1995-2001; the years other than the last are placed first, amounts are 0 (unknown)."""
    from cxmodels.data.io import write_tables
    from cxmodels.data.samples import donations

    tables = donations()
    write_tables(tables, out_dir, file_format=file_format)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    typer.echo(f"Wrote {out_dir}: {counts}")


@app.command()
def describe(data_dir: DataDir) -> None:
    """Summarise a valid dataset: rows, customers and time span per table, and headline numbers."""
    from cxmodels.data import load_dataset
    from cxmodels.data.summary import headline, summarize

    dataset = load_dataset(data_dir)
    typer.echo(summarize(dataset).to_string())
    typer.echo("")
    for name, value in headline(dataset).items():
        typer.echo(f"{name:>24}: {value:,.2f}" if isinstance(value, float) else f"{name:>24}: {value:,}")


def _check_as_of(value: str | None) -> str | None:
    """Refuse a cut-off that is not a date or datetime, naming it."""
    from cxmodels.data.cutoff import utc_timestamp

    if value is None:
        return value
    try:
        utc_timestamp(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date or datetime (e.g. 2025-01-01)") from None
    return value


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", callback=_check_as_of,
                 help="The moment the data is observed up to (ISO date or datetime, UTC): only rows strictly before "
                      "it are used. Default: the end of the day of the last timestamp in the data."),
]


Cluster = Annotated[
    str | None,
    typer.Option(help="Run per-customer work on a Dask LocalCluster started here: 'local' (one worker per core) or "
                      "'local:N' (N workers). See docs/cluster.md."),
]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Run per-customer work on the existing Dask cluster of this scheduler address "
                      "(tcp://host:8786). See docs/cluster.md."),
]


def _cluster_spec(cluster: str | None, scheduler: str | None, configured: str = "") -> str | None:
    """The Dask cluster asked for by --cluster or --scheduler (not both), else the configuration's [cluster]
    address; None runs in this process."""
    from cxmodels.errors import ConfigError

    if cluster is not None and scheduler is not None:
        raise ConfigError("give --cluster (a cluster started here) or --scheduler (an existing one), not both")
    if cluster is not None and not (cluster == "local" or cluster.startswith("local:")):
        raise ConfigError(f"--cluster {cluster!r}: use 'local' or 'local:N'; for an existing cluster use "
                          "--scheduler ADDRESS")
    if scheduler is not None and "://" not in scheduler:
        raise ConfigError(f"--scheduler {scheduler!r} is not an address: give one such as tcp://host:8786")
    return cluster or scheduler or configured.strip() or None


@contextmanager
def _client(spec: str | None):
    """A distributed.Client of the cluster `spec` for the duration of a command (None: no cluster, None)."""
    if spec is None:
        yield None
        return
    from cxmodels.cluster import connected

    with connected(spec) as client:
        yield client


@app.command()
def features(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option(help="Parquet file to write the feature matrix to.")],
    as_of: AsOf = None,
    attribute: Annotated[
        list[str] | None, typer.Option(help="A `customers` column to include as a feature (repeatable).")
    ] = None,
    time_unit: Annotated[str, typer.Option(help="Unit of the value summary: days or weeks.")] = "days",
    cluster: Cluster = None,
    scheduler: Scheduler = None,
) -> None:
    """Build every feature whose tables are present, as of a cut-off, one row per customer."""
    from cxmodels.features import FeatureConfig, build_features, data_as_of

    config = FeatureConfig(attributes=tuple(attribute or ()), time_unit=time_unit)
    with _client(_cluster_spec(cluster, scheduler)) as client:
        if client is None:
            from cxmodels.data import load_dataset

            dataset, as_of = data_as_of(load_dataset(data_dir), as_of)
            matrix = build_features(dataset, as_of, config)
        else:
            from cxmodels.cluster import cluster_features, partition_dataset

            matrix, as_of = cluster_features(partition_dataset(client, data_dir), as_of, config)
    out.parent.mkdir(parents=True, exist_ok=True)
    matrix.to_parquet(out)
    typer.echo(f"Wrote {out}: {len(matrix):,} customers x {matrix.shape[1]} features as of {as_of.isoformat()}")


@app.command()
def kpis(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option(help="Folder for kpis.csv and the trend charts (PNG).")],
    by: Annotated[str, typer.Option(help="Period: week, month or quarter.")] = "month",
    segment: Annotated[str | None, typer.Option(help="A `customers` column to split every KPI by.")] = None,
    horizon_days: Annotated[int, typer.Option(min=1, help="Churn horizon of the experience-and-churn table.")] = 90,
    cluster: Cluster = None,
    scheduler: Scheduler = None,
) -> None:
    """Compute the CX KPIs by period (and segment) with sample sizes and confidence intervals, and the churn rate
    by experience band (NPS category, CES and CSAT bands, first-contact resolution, contacts per case, wait)."""
    from functools import partial

    from cxmodels.errors import DataError
    from cxmodels.plots import plot_kpi_trends

    with _client(_cluster_spec(cluster, scheduler)) as client:
        if client is None:
            from cxmodels.data import load_dataset
            from cxmodels.metrics.kpis import kpi_table
            from cxmodels.metrics.links import link_table

            dataset = load_dataset(data_dir)
            table = kpi_table(dataset, by=by, segment=segment)
            links = partial(link_table, dataset, horizon_days=horizon_days)
        else:
            from cxmodels.cluster import cluster_kpi_table, cluster_link_table, partition_dataset

            data = partition_dataset(client, data_dir)
            table = cluster_kpi_table(data, by=by, segment=segment)
            links = partial(cluster_link_table, data, horizon_days=horizon_days)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "kpis.csv", index=False)
        charts = plot_kpi_trends(table, out)
        typer.echo(f"Wrote {out / 'kpis.csv'} ({len(table):,} rows) and {len(charts)} charts to {out}")
        try:
            churn_by_band = links()
        except DataError as error:
            typer.echo(f"No experience-and-churn table: {error}", err=True)
            return
    churn_by_band.to_csv(out / "churn_by_experience.csv", index=False)
    typer.echo(f"Wrote {out / 'churn_by_experience.csv'}: churn in {horizon_days} days from "
               f"{churn_by_band.attrs['as_of']} by experience band ({len(churn_by_band)} bands)")


@app.command()
def train(
    data_dir: DataDir,
    as_of: AsOf = None,
    horizon_days: Annotated[
        int | None, typer.Option(min=1, help="Label horizon in days (default 90, or the configuration's).")
    ] = None,
    config: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="TOML configuration (keys: training/default.toml).")] = None,
    experiment: Annotated[
        str | None, typer.Option(help="MLflow experiment (default cxmodels, or the configuration's).")
    ] = None,
    promote: Annotated[bool | None, typer.Option(
        "--promote/--no-promote", help="Make the new versions champion, or not, whatever their metrics "
                                       "(default: champion only when they beat the current one).")] = None,
    cluster: Cluster = None,
    scheduler: Scheduler = None,
) -> None:
    """Train the churn and CLV models, evaluate them on the latest held-out snapshot, log the run to MLflow,
    register the models and promote them when they beat the champions.

    The tracking store is mlruns/ of the working directory (SQLite mlruns/mlflow.db, artifacts in
    mlruns/artifacts/) unless MLFLOW_TRACKING_URI is set. With --cluster, --scheduler or the configuration's
    [cluster] address the snapshots and the CLV inputs are built on a Dask cluster, and the churn model is fitted
    with lightgbm.dask above [cluster] gather_rows training rows (docs/cluster.md).
    """
    from dataclasses import replace

    from training.config import load_config
    from training.pipeline import train as run_training
    from training.tracking import ui_command

    settings = load_config(config, experiment=experiment)
    if horizon_days is not None:
        settings = replace(settings, snapshots=replace(settings.snapshots, horizon_days=horizon_days))
    with _client(_cluster_spec(cluster, scheduler, settings.cluster.address)) as client:
        result = run_training(data_dir, settings, as_of=as_of, promote=promote, client=client)
    metrics = result.metrics
    typer.echo(f"\nRun {result.run_id}: churn ROC-AUC {metrics['churn_roc_auc']:.4f}, top-decile lift "
               f"{metrics['churn_top_decile_lift']:.2f}; CLV normalized Gini {metrics['clv_normalized_gini']:.4f}")
    for line in (*result.notes, *(promotion.summary() for promotion in result.promotions)):
        typer.echo(line)
    typer.echo(f"Report: {result.report_path}")
    typer.echo(f"MLflow UI: {ui_command(result.tracking_uri)}")


ServingConfigFile = Annotated[Path | None, typer.Option(
    "--config", exists=True, dir_okay=False, help="TOML serving configuration (keys: serving/default.toml).")]
StoreUrl = Annotated[str | None, typer.Option(
    "--store", help="Score store, a SQLAlchemy URL (default: the configuration's, sqlite:///scores.db).")]


def _serving_config(path: Path | None):
    from serving.config import load_serving_config

    return load_serving_config(path)


@app.command()
def score(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option(help="Score file to write: .parquet or .csv (written atomically).")],
    as_of: AsOf = None,
    config: ServingConfigFile = None,
    store: StoreUrl = None,
    cluster: Cluster = None,
    scheduler: Scheduler = None,
) -> None:
    """Score every customer with the champion models: churn risk with reasons, CLV, value tier and segments.

    The scores go to OUT and, as a new batch, to the score store. The models come from the MLflow
    registry of mlruns/ (or MLFLOW_TRACKING_URI). On a cluster (--cluster, --scheduler or [cluster] address
    of --config) the scores are the same; OUT, which must end in .parquet, is a folder of Parquet parts.
    """
    from serving.batch import run_batch

    settings = _serving_config(config)
    with _client(_cluster_spec(cluster, scheduler, settings.cluster.address)) as client:
        result = run_batch(data_dir, out, as_of=as_of, config=settings, store_url=store, progress=True, client=client)
    batch = result.batch
    timing = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.seconds.items())
    typer.echo(f"Scored {batch.rows:,} customers as of {batch.as_of} (churn model v{batch.metadata['churn_model_version']}, "
               f"CLV model v{batch.metadata['clv_model_version']}): {timing}")
    typer.echo(f"Wrote {result.out} and batch {batch.batch_id} of the score store")


@app.command()
def drivers(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option(help="Driver table to write: .csv or .parquet (written atomically).")],
    as_of: AsOf = None,
    config: ServingConfigFile = None,
    store: StoreUrl = None,
) -> None:
    """What each CX problem costs: per driver, the customers affected, and the churners and revenue (CLV) it adds
    over the churn model's horizon in the champion model's view, with 90 % intervals (docs/drivers.md).

    Your own drivers come from [drivers.NAME] tables of --config. The table goes to OUT and to the score
    store (GET /drivers, the dashboard).
    """
    from serving.drivers import run_drivers

    table, metadata = run_drivers(data_dir, out, as_of=as_of, config=_serving_config(config), store_url=store)
    typer.echo(f"Drivers of {metadata['customers']:,} customers as of {metadata['as_of']} (churn model "
               f"v{metadata['churn_model_version']}, CLV model v{metadata['clv_model_version']}):")
    typer.echo(table[["driver", "customers_affected", "expected_churners", "revenue_at_risk", "revenue_at_risk_low",
                      "revenue_at_risk_high"]].to_string(index=False, float_format=lambda value: f"{value:,.1f}"))
    typer.echo(f"Wrote {out} and the score store's driver table")


@app.command()
def whatif(
    data_dir: DataDir,
    set_: Annotated[list[str], typer.Option(
        "--set", help="A change, DRIVER=-NN%: the driver's problem removed for a random NN % of the customers who "
                      "have it, e.g. --set transfers=-50% (repeatable; see docs/drivers.md).")],
    as_of: AsOf = None,
    config: ServingConfigFile = None,
) -> None:
    """The churners and revenue (CLV) retained over the churn model's horizon if a driver's problem were removed
    for a share of its customers, in the champion model's view, with 90 % intervals (docs/drivers.md)."""
    from serving.drivers import run_whatif

    table, metadata = run_whatif(data_dir, set_, as_of=as_of, config=_serving_config(config))
    typer.echo(f"What-if on {metadata['customers']:,} customers as of {metadata['as_of']} (churn model "
               f"v{metadata['churn_model_version']}, CLV model v{metadata['clv_model_version']}):")
    typer.echo(table.to_string(index=False, float_format=lambda value: f"{value:,.1f}"))


def _latest_batch(config: Path | None, store: str | None):
    """The score store and its latest complete batch (StoreError when there is none); says on stderr when its churn
    risk comes from the small-data fallback model."""
    from serving.store import ScoreStore

    scores = ScoreStore(store or _serving_config(config).store.url)
    batch = scores.batch()
    if batch.metadata.get("churn_model") == "AdditiveChurnModel":
        typer.echo("Note: churn risk in this batch comes from the small-data fallback model (AdditiveChurnModel, "
                   "see the training report): the segments built on churn risk are rough.", err=True)
    return scores, batch


segments_app = typer.Typer(help="Segment lists for marketing, from the latest batch of the score store.",
                           no_args_is_help=True)
app.add_typer(segments_app, name="segments")


@segments_app.command("list")
def segments_list(config: ServingConfigFile = None, store: StoreUrl = None) -> None:
    """The segments of the latest batch: name, customers, description."""
    scores, batch = _latest_batch(config, store)
    counts = scores.segment_counts(batch.batch_id)
    typer.echo(f"Batch {batch.batch_id}, as of {batch.as_of}, {batch.rows:,} customers")
    width = max(map(len, batch.metadata["segments"]))
    for name, description in batch.metadata["segments"].items():
        typer.echo(f"{name:<{width}}  {counts.get(name, 0):>9,}  {description}")


@segments_app.command("export")
def segments_export(
    name: Annotated[str, typer.Argument(help="Segment name (see `cxmodels segments list`).")],
    out: Annotated[Path, typer.Option(help="File to write: .csv or .parquet (written atomically).")],
    budget: Annotated[int | None, typer.Option(min=1, help="Save list: at most this many customers, those worth "
                                                           "acting on first.")] = None,
    max_cost: Annotated[float | None, typer.Option(min=0, help="Save list: offers costing at most this much in "
                                                               "all, the customers worth acting on first.")] = None,
    config: ServingConfigFile = None,
    store: StoreUrl = None,
) -> None:
    """Write the customers of a segment in the latest batch, with their scores and reasons.

    With --budget and/or --max-cost, a save list: only the customers whose expected net value of acting
    (churn_probability x clv x save_rate - offer_cost, terms from [retention]) is positive, best first, with
    that value; and the campaign's expected value. In a CSV, text that a spreadsheet would run as a formula
    (starting with =, +, -, @) gets a leading '.
    """
    from serving.economics import save_list
    from serving.files import write_atomically
    from serving.store import StoreError

    settings = _serving_config(config)
    scores, batch = _latest_batch(config, store)
    if name not in batch.metadata["segments"]:
        raise StoreError(f"no segment {name!r} in batch {batch.batch_id}; its segments: "
                         f"{', '.join(batch.metadata['segments'])}")
    members = scores.segment_members(name, batch.batch_id)
    campaign = None
    if budget is not None or max_cost is not None:
        total = len(members)
        members, campaign = save_list(members, settings.retention.terms(name), budget, max_cost)
    write_atomically(members, out, for_spreadsheets=True)
    typer.echo(f"Wrote {out}: {len(members):,} customers of segment {name} (batch {batch.batch_id}, as of {batch.as_of})")
    if campaign is not None:
        terms = settings.retention.terms(name)
        typer.echo(f"Save list of {total:,} members (offer cost {terms.offer_cost:g}, save rate {terms.save_rate:g}): "
                   f"{campaign.summary()}")


store_app = typer.Typer(help="The score store: its batches and the one served.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("status")
def store_status(config: ServingConfigFile = None, store: StoreUrl = None) -> None:
    """The complete batches, newest first, with their rows and models; the served one (the newest) marked *."""
    from serving.store import ScoreStore

    settings = _serving_config(config).store
    scores = ScoreStore(store or settings.url)
    batches, size = scores.batches(), scores.size_bytes()
    typer.echo(f"Score store {scores.url}: {len(batches)} complete batch(es), the newest {settings.keep_batches} "
               f"kept ([store] keep_batches){'' if size is None else f', {size / 1e6:,.1f} MB'}")
    if batches:
        typer.echo(f"  {'batch':<26}  {'as of':<25}  {'completed':<25}  {'rows':>9}  churn  clv")
    for number, batch in enumerate(batches):
        versions = [f"v{batch.metadata.get(name, '?')}" for name in ("churn_model_version", "clv_model_version")]
        typer.echo(f"{'*' if number == 0 else ' '} {batch.batch_id:<26}  {str(batch.as_of):<25}  "
                   f"{str(batch.completed_at.floor('s')):<25}  {batch.rows:>9,}  {versions[0]:<5}  {versions[1]}")
    for batch_id, created_at in scores.incomplete_batches():
        typer.echo(f"  {batch_id}: incomplete, started {created_at.floor('s')} (being written, or left by a run "
                   "that died: the next batch removes it)")
    if not batches:
        typer.echo("No complete batch: nothing is served until `cxmodels score` completes one.")


@app.command()
def monitor(data_dir: DataDir, as_of: AsOf = None, config: ServingConfigFile = None, store: StoreUrl = None) -> None:
    """Check the champion against DATA_DIR: feature and score drift (PSI) against its held-out snapshot, rows
    per table per week, and realised performance of earlier batches of the score store.

    Writes an HTML and a JSON report ([monitor] report_dir) and logs the metrics to MLflow. Exit status:
    0 fine, 1 retraining recommended, 2 a data problem. Thresholds: [monitor] of the serving configuration.
    """
    from serving.monitor import DATA_PROBLEM, run_monitor

    with _data_problem_exits(DATA_PROBLEM):
        result = run_monitor(data_dir, as_of, _serving_config(config), store_url=store)
    typer.echo(result.summary())
    typer.echo(f"Report: {result.html_path} (JSON: {result.json_path})")
    raise typer.Exit(result.verdict)


@app.command()
def retrain(
    data_dir: DataDir,
    if_needed: Annotated[bool, typer.Option("--if-needed", help="Monitor first; train only when it recommends "
                                                                "retraining.")] = False,
    as_of: AsOf = None,
    config: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="TOML training configuration (keys: training/default.toml).")] = None,
    serving_config: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="TOML serving "
                                                        "configuration, for the monitor's thresholds and the store.")] = None,
    store: StoreUrl = None,
    service_url: Annotated[str | None, typer.Option(help="The running service to reload once new champions are "
                                                         "promoted (admin key from CXMODELS_ADMIN_KEY).")] = None,
    lock: Annotated[Path, typer.Option(help="Lock file: a second run while one holds it exits with status 4.")] = Path(
        "cxmodels-retrain.lock"),
) -> None:
    """Monitor (with --if-needed), train, gate and promote, then reload the running service; for cron.

    Exit status: 0 retrained, 3 nothing to do (the champion is fine), 4 another run holds the lock,
    2 a data problem (nothing trained), 1 an error.
    """
    from serving.monitor import DATA_PROBLEM
    from serving.retrain import NOTHING_TO_DO, run_retrain
    from training.config import load_config

    with _data_problem_exits(DATA_PROBLEM):
        result = run_retrain(data_dir, lock, load_config(config), _serving_config(serving_config), if_needed, as_of,
                             store, service_url)
    if result.monitor is not None:
        typer.echo(f"Monitor: {result.monitor.summary()}")
    if result.outcome == NOTHING_TO_DO:
        typer.echo("Nothing to do: the champion is fine on this data; no model trained")
        raise typer.Exit(NOTHING_TO_DO)
    for promotion in result.training.promotions:
        typer.echo(promotion.summary())
    typer.echo(f"Service reloaded: {result.reload}" if result.reload else
               "No reload: no new champion" if not any(p.promoted for p in result.training.promotions) else
               "No reload: no --service-url given; the service keeps its models until it reloads")


@contextmanager
def _data_problem_exits(status: int):
    """Data that cannot be monitored or trained on (DataError, a broken contract too) exits with `status`."""
    from cxmodels.data import DataValidationError
    from cxmodels.errors import DataError

    try:
        yield
    except DataError as error:
        typer.echo(error.report.to_text() if isinstance(error, DataValidationError) else f"Error: {error}", err=True)
        raise typer.Exit(status) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Serve without an API key (anyone who reaches the port reads every score).")] = False,
    config: ServingConfigFile = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes answering requests on the port, each with its own "
                                                     "scoring workers.")] = 1,
) -> None:
    """Serve scores over HTTP for the CRM: look-ups from the score store, segments, and POST /score.

    Requests need the header X-API-Key with a read key (CXMODELS_API_KEY, or the configuration), /admin an
    admin key (CXMODELS_ADMIN_KEY); several keys, comma-separated, are accepted at once;
    /health, /ready, /version and the OpenAPI docs at /docs are open.
    """
    from serving.service.run import serve as run_service

    run_service(host, port, insecure, config, workers=workers)
