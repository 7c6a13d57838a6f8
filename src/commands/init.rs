//! `dxsynth init LOCATION`: a commented, validated schema inferred from a folder of CSV or
//! Parquet files, or from a database (keys from its catalogue).

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;

use dxsynth::error::{Error, Problem};
use dxsynth::init;
use dxsynth::location::Location;
use dxsynth::output::{self, OutputKind};
use dxsynth::schema::ColumnKind;

use super::{Failure, Outcome, location};

/// Examples and exit codes, after the options in `dxsynth init --help`.
const AFTER_HELP: &str = "\
Examples:
  dxsynth init data/                        # writes data/schema.yaml
  dxsynth init data/ -o schemas/shop.yaml   # CSV paths relative to schemas/
  dxsynth init data/ --dry-run | less       # print it, write nothing
  dxsynth init sqlite:shop.db -o shop.yaml  # tables and declared keys from the catalogue
  dxsynth init 'postgresql:///shop?host=/run/postgresql' -o shop.yaml

One table per *.csv, *.tsv or *.parquet file, named after the file; for a database, one table per
table, with the keys its catalogue declares taken as given. Every inferred key is commented with its
confidence and the evidence; candidates that were left out are explained too. The schema is
checked as `dxsynth validate` would check it before it is written.

Exit codes: 0 written, 2 no usable CSV or Parquet file or the output exists (without --force), 1 other errors.";

/// Arguments of `dxsynth init`.
#[derive(Debug, ClapArgs)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The folder of CSV or Parquet files (one table per `*.csv`/`*.tsv`/`*.parquet` file,
    /// named after the file), or a database: `sqlite:PATH` or `postgresql://...` (one table per table, keys
    /// from the catalogue).
    #[arg(value_name = "LOCATION")]
    pub data_dir: PathBuf,
    /// Where to write the schema [default: DATA_DIR/schema.yaml]. CSV paths in the schema are
    /// relative to its folder, which must exist.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the schema to stdout instead of writing it (paths as if written to --output).
    #[arg(long)]
    pub dry_run: bool,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// The environment variable holding the PostgreSQL password, for reading the database and
    /// checking the schema written (default: PGPASSWORD).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

/// Infers, renders and checks the schema, then prints or writes it; the summary goes to stdout
/// (stderr with `--dry-run`, where stdout is the schema).
pub fn run(args: &Args) -> Outcome {
    super::password_env_for_sources(args.password_env.as_deref());
    let location = location(&args.data_dir, "LOCATION", args.password_env.as_deref())?;
    // Checked before the output's folder (the data folder by default), which was blamed on
    // `--output` when the data folder was missing.
    if let Location::Folder(dir) = &location
        && !dir.is_dir()
    {
        let shown = dir.display();
        let message = if dir.exists() {
            format!(
                "`{shown}` is not a folder: give the folder of CSV or Parquet files, or \
                 `sqlite:{shown}` for an SQLite database"
            )
        } else {
            format!("the data folder `{shown}` does not exist")
        };
        return Err(Failure::Argument {
            flag: "LOCATION",
            message,
        });
    }
    let output = args.output.clone().unwrap_or_else(|| match &location {
        Location::Folder(dir) => dir.join("schema.yaml"),
        _ => PathBuf::from("schema.yaml"),
    });
    refuse_location_as_output(&output)?;
    if !args.dry_run && output.is_dir() {
        // --force would not help: a folder is never replaced by the schema.
        return Err(Failure::Argument {
            flag: "--output",
            message: format!(
                "`{}` is a folder, but `init --output` is the YAML schema file to write: give \
                 a file's path, e.g. `{}`",
                output.display(),
                output.join("schema.yaml").display()
            ),
        });
    }
    if !args.dry_run && !args.force && output.exists() {
        return Err(on_output(Error::OutputExists(output)));
    }
    let data_dir = source_as_written(&location, &output).map_err(on_output)?;
    let mut inferred = init::infer_location(&location)?;
    let database = !matches!(location, Location::Folder(_));
    let render = |inferred: &init::Inferred| -> Result<_, Error> {
        let text = init::render(inferred, &data_dir);
        let text = init::semantic::annotate(&text, &output)?;
        let input = init::check(&text, &output)?;
        Ok((text, input))
    };
    let rendered = match render(&inferred) {
        Err(Error::Invalid(problems))
            if override_declared(&mut inferred, &problems.0, database) =>
        {
            render(&inferred)
        }
        rendered => rendered,
    };
    let (text, input) = match rendered {
        Err(Error::Invalid(problems))
            if !database && leave_out_files(&mut inferred, &problems.0) =>
        {
            render(&inferred)
        }
        rendered => rendered,
    }
    .map_err(|err| not_valid(err, &output, database))?;
    let (text, input) = match init::tie_to_parents(&mut inferred, &input) {
        true => render(&inferred).map_err(|err| not_valid(err, &output, database))?,
        false => (text, input),
    };
    let text = init::annotate_rules(&text, &input);
    if args.dry_run {
        print!("{text}");
        eprintln!("{}", inferred.summary());
        return Ok(());
    }
    // `--force` replaces an existing file, never one the data is read from (nor a data file
    // left out for a fault: still the user's data).
    let mut inputs = input.schema.data_paths();
    inputs.extend(inferred.skipped.iter().map(|s| inferred.dir.join(&s.file)));
    output::refuse_inputs(&output, OutputKind::File, &inputs)?;
    init::write(&output, &text, args.force).map_err(on_output)?;
    println!("wrote {}: {}", output.display(), inferred.summary());
    println!(
        "review the comments in it, then: dxsynth validate {}",
        output.display()
    );
    Ok(())
}

/// `-o sqlite:shop.db` (or a PostgreSQL URI) would write the YAML schema to a file named after
/// the location: `--output` of `init` is the schema file, the database is its `LOCATION`.
fn refuse_location_as_output(output: &Path) -> Result<(), Failure> {
    let text = output.to_string_lossy();
    let location = ["sqlite:", "postgresql:", "postgres:"]
        .iter()
        .any(|prefix| text.starts_with(prefix));
    if !location {
        return Ok(());
    }
    Err(Failure::Argument {
        flag: "--output",
        message: format!(
            "`{text}` is a database location, but `init --output` is the YAML schema file to \
             write; read a database by giving it as LOCATION: `dxsynth init {text} -o \
             schema.yaml`"
        ),
    })
}

/// Errors about the output file or its folder name `--output` (and, for a file that exists,
/// the flags that get past it).
fn on_output(error: Error) -> Failure {
    let hint = match error {
        Error::OutputExists(_) => {
            ": pass --force to overwrite it, or --dry-run to print the schema"
        }
        Error::NoFolder { .. } => "",
        other => return Failure::Library(other),
    };
    Failure::Flag {
        flag: "--output",
        error,
        hint,
    }
}

/// The folder (relative to the schema's folder), or the database as the schema's `source:`
/// names it: an SQLite path relative to the schema's folder, a PostgreSQL URI as given.
fn source_as_written(location: &Location, output: &Path) -> Result<PathBuf, Error> {
    match location {
        Location::Folder(dir) => init::data_dir_from(output, dir),
        Location::Sqlite(file) => {
            let dir = match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let name = file.file_name().unwrap_or_default();
            let relative = init::data_dir_from(output, dir)?.join(name);
            Ok(PathBuf::from(format!("sqlite:{}", relative.display())))
        }
        Location::Postgres(pg) => Ok(PathBuf::from(&pg.uri)),
    }
}

/// A database may declare a type some values of a column do not fit (a `DATETIME` holding
/// `soon`, a `BOOLEAN` holding `maybe`, an `INT` holding `abc`: SQLite stores any value in any
/// column): loading with the declared type fails, so the schema `init` writes gives such a
/// column as categorical, with the reason. Whether every problem is of that kind (then the
/// schema is rendered again); for a folder of files, whose types `init` infers from the values
/// themselves, a value that does not fit is no such thing.
fn override_declared(inferred: &mut init::Inferred, problems: &[Problem], database: bool) -> bool {
    let declared = |p: &Problem| p.message.starts_with("declared ");
    let unfit = |p: &Problem| database && p.message.contains("` is not a valid ");
    if problems.is_empty() || !problems.iter().all(|p| declared(p) || unfit(p)) {
        return false;
    }
    for problem in problems {
        let (Some(table), Some(column)) = (&problem.table, &problem.column) else {
            return false;
        };
        let Some(table) = inferred.tables.iter_mut().find(|t| &t.name == table) else {
            return false;
        };
        let why = match problem.message.strip_prefix("declared ") {
            Some(declared) => format!(
                "kept as categorical: the database declares it {}",
                declared.split(": give one").next().unwrap_or_default()
            ),
            None => format!(
                "kept as categorical: the type the database declares does not fit every value \
                 ({})",
                problem.message
            ),
        };
        table.column_notes.retain(|note| &note.column != column);
        table.column_notes.push(init::ColumnNote {
            column: column.clone(),
            kind: Some(ColumnKind::Categorical),
            format: None,
            why,
        });
    }
    true
}

/// Leaves out the tables of files the schema cannot take as they are (every problem names a
/// table of the schema: a blank column name, a name clashing with another table's in case),
/// each with its problem as the reason; `false` (nothing left out) when a problem names none.
fn leave_out_files(inferred: &mut init::Inferred, problems: &[Problem]) -> bool {
    let names: Vec<&str> = inferred.tables.iter().map(|t| t.name.as_str()).collect();
    let all_named = problems.iter().all(|p| {
        p.table
            .as_deref()
            .is_some_and(|table| names.contains(&table))
    });
    if problems.is_empty() || !all_named {
        return false;
    }
    let mut reasons: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
    for problem in problems {
        let table = problem.table.clone().unwrap_or_default();
        reasons
            .entry(table)
            .or_insert_with(|| problem.message.clone());
    }
    if reasons.len() >= names.len() {
        return false;
    }
    for (table, reason) in reasons {
        inferred.leave_out(&table, reason);
    }
    true
}

/// An inferred schema that does not validate: a bug in `init`, unless the data contradicts what
/// its database declares (a `DATETIME` column holding `soon`, which the user settles with a
/// column override; an empty or dangling key, which the data must settle); say which, with the
/// problems.
fn not_valid(err: Error, output: &Path, database: bool) -> Error {
    match err {
        Error::Invalid(mut problems) => {
            let all = |test: &dyn Fn(&Problem) -> bool| problems.0.iter().all(test);
            let why = if all(&|p| p.message.starts_with("declared ")) {
                "the database declares column types some of its values do not fit; add the \
                 overrides below to a schema (`dxsynth init --dry-run` prints one to start \
                 from) or correct the values"
            } else if database && all(&|p| p.table.is_some()) {
                "the database's rows break what it declares, below; correct them, or write the \
                 schema by hand without those keys or tables"
            } else if !database && all(&|p| p.table.is_some()) {
                "no file can be a table as it is; correct the files below"
            } else {
                "a bug in `dxsynth init`: please report it"
            };
            problems.0.insert(
                0,
                Problem::general(format!(
                    "the inferred schema for `{}` does not pass validation ({why}); nothing was \
                     written",
                    output.display()
                )),
            );
            Error::Invalid(problems)
        }
        other => other,
    }
}
