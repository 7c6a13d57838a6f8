//! Where `run` and `generate` write: a folder of CSV or Parquet files, an SQLite database or a
//! PostgreSQL database, each written all at once or not at all.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

pub use super::FileFormat;
use super::{DatabaseWriter, FolderWriter, IfExists, OutputKind};
use crate::data::Dialect;
use crate::error::{Error, Problem, Result};
use crate::files::FileMark;
use crate::generate::{Keep, Sink, SyntheticTable};
use crate::location::DatabaseMark;
use crate::location::Location;
use crate::plan::Plan;
use crate::schema::TableSource;

/// A parsed output location with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where to write.
    pub location: Location,
    /// The file format, for a folder.
    pub format: FileFormat,
    /// What to do with database tables that hold rows.
    pub if_exists: IfExists,
}

impl Target {
    /// A folder of CSV files (what `run -o DIR` has always written).
    pub fn csv(dir: &Path) -> Target {
        Target {
            location: Location::Folder(dir.to_path_buf()),
            format: FileFormat::Csv,
            if_exists: IfExists::Error,
        }
    }

    /// Checks a target before any work: a folder (not a file, not a dangling link), an SQLite
    /// file (not a folder, not under a file); a PostgreSQL database is checked when opened.
    pub fn check(&self) -> Result<()> {
        match &self.location {
            Location::Folder(dir) => super::check_folder(dir),
            Location::Sqlite(path) => super::check_database_file(path),
            Location::Postgres(_) => Ok(()),
        }
    }

    /// The name of a table's file in a folder target ([`super::file_name`]).
    pub fn file_name(&self, table: &str, dialect: &Dialect) -> String {
        super::file_name(table, self.format, dialect)
    }

    /// Refuses, before any work, a folder target where a table's file would take the place of
    /// something that is not a regular file: a folder named `orders.csv` (a Spark-style
    /// `orders.parquet/` of part files), a FIFO, a device. The final swap carries the folder's
    /// other entries over, not the ones a table's file replaces, so that one would be deleted
    /// with everything in it.
    pub fn refuse_unreplaceable<'a>(
        &self,
        tables: impl IntoIterator<Item = (&'a str, &'a Dialect)>,
    ) -> Result<()> {
        let Location::Folder(dir) = &self.location else {
            return Ok(());
        };
        for (table, dialect) in tables {
            let path = dir.join(self.file_name(table, dialect));
            crate::files::replaceable(&path).map_err(|what| Error::NotAFile { path, what })?;
        }
        Ok(())
    }

    /// Refuses, before any work, a target that holds a file a model was trained on (one of
    /// `marks`) where generation would write or remove the file of one of `tables` (each with
    /// how it is written, which names its file), an SQLite database that is such a file, or a
    /// PostgreSQL database that is one of `databases`: the real data, whatever folder it now
    /// lies in or URI names it.
    pub fn refuse_marked<'a>(
        &self,
        tables: impl IntoIterator<Item = (&'a str, &'a Dialect)>,
        (marks, databases): (&[FileMark], &[DatabaseMark]),
    ) -> Result<()> {
        if let Location::Postgres(pg) = &self.location
            && !databases.is_empty()
            && crate::input::postgres::mark(pg).is_some_and(|mark| databases.contains(&mark))
        {
            return Err(Error::invalid(vec![Problem::general(format!(
                "the output database `{}` is a database the real data is read from (the same \
                 server and database, under another name): generating into it would replace \
                 the real data, so nothing was done; choose another database",
                self.location
            ))]));
        }
        let is_real = |path: &Path| FileMark::of(path).is_some_and(|mark| marks.contains(&mark));
        let (clash, what) = match &self.location {
            Location::Folder(dir) => {
                let mut files = tables
                    .into_iter()
                    .map(|(table, dialect)| dir.join(self.file_name(table, dialect)));
                (files.find(|path| is_real(path)), "folder")
            }
            Location::Sqlite(path) => (is_real(path).then(|| path.clone()), "database"),
            _ => (None, ""),
        };
        let Some(clash) = clash else { return Ok(()) };
        Err(Error::invalid(vec![Problem::general(format!(
            "`{}` is a file the model was trained on (the same size and contents): generating \
             into the {what} `{}` would replace the real data, so nothing was done; choose \
             another {what}",
            clash.display(),
            self.location
        ))]))
    }

    /// Refuses, before generation, an SQLite target for a table with two columns whose names
    /// differ only in case (`name`, `NAME`): SQLite takes them for one column, so the write
    /// would fail at the end, after all the work. Every such pair is named at once.
    pub fn refuse_case_clashes<'a>(
        &self,
        tables: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<()> {
        if !matches!(self.location, Location::Sqlite(_)) {
            return Ok(());
        }
        let mut problems = Vec::new();
        for (table, header) in tables {
            let mut seen: std::collections::HashMap<String, &str> = Default::default();
            for column in header {
                match seen.get(&column.to_lowercase()) {
                    Some(first) => problems.push(Problem::column(
                        table,
                        column,
                        "path",
                        format!(
                            "the name differs from column `{first}` only in case, and SQLite \
                             takes the two for one column; rename one of them, or write to a \
                             folder or to PostgreSQL"
                        ),
                    )),
                    None => {
                        seen.insert(column.to_lowercase(), column);
                    }
                }
            }
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(Error::invalid(problems)),
        }
    }

    /// Refuses a target that would overwrite what the run reads, before any work: a folder
    /// (CSV or Parquet) that is or holds one of the `inputs`, an SQLite file that is one of them
    /// (the schema's database, the model file), or a PostgreSQL database named by the same URI
    /// as one the `read` tables come from (emptying tables that hold rows would destroy the real data;
    /// the URIs are compared as written).
    pub fn refuse_inputs(&self, inputs: &[PathBuf], read: &[&TableSource]) -> Result<()> {
        match &self.location {
            Location::Folder(dir) => super::refuse_inputs(dir, OutputKind::Folder, inputs),
            Location::Sqlite(path) => super::refuse_inputs(path, OutputKind::File, inputs),
            Location::Postgres(pg) => {
                let clash = read.iter().find(|source| match &source.location {
                    Location::Postgres(input) => input.uri == pg.uri,
                    _ => false,
                });
                match clash {
                    Some(source) => Err(Error::invalid(vec![Problem::general(format!(
                        "the output database `{}` is the input database the table `{}` is read \
                         from: writing there could empty or change the real data, so nothing \
                         was done; choose another database",
                        self.location, source.table
                    ))])),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A target being written as tables are generated: a folder gets each table as soon as it is
/// made (written on a thread of its own, swapped in whole at the end); a database gets each
/// table as it is made too, in one transaction committed at the end.
pub enum Writer {
    /// A folder of files, written table by table.
    Folder(FolderWriter),
    /// A database (SQLite or PostgreSQL), written table by table.
    Database(Box<dyn DatabaseWriter>, Target),
    /// A location this build cannot write (cargo features): the error comes at the end.
    AtTheEnd(Target),
}

impl Writer {
    /// Opens the target for writing the tables of `plan` (a folder's staging folder is created
    /// here; a database is opened, its transaction begun, its tables checked and emptied when
    /// asked).
    pub fn open(target: &Target, plan: &Plan) -> Result<Writer> {
        match (&target.location, target.format) {
            (Location::Folder(dir), FileFormat::Csv) => {
                Ok(Writer::Folder(FolderWriter::open(dir, super::CSV_FILES)?))
            }
            #[cfg(feature = "parquet")]
            (Location::Folder(dir), FileFormat::Parquet) => Ok(Writer::Folder(FolderWriter::open(
                dir,
                super::parquet::PARQUET_FILES,
            )?)),
            #[cfg(feature = "sqlite")]
            (Location::Sqlite(path), _) => {
                let writer = super::sqlite::SqliteWriter::open(path, plan, target.if_exists)
                    .map_err(|refusal| refused(target, refusal))?;
                Ok(Writer::Database(Box::new(writer), target.clone()))
            }
            #[cfg(feature = "postgres")]
            (Location::Postgres(pg), _) => {
                let writer = super::postgres::PostgresWriter::open(pg, plan, target.if_exists)
                    .map_err(|refusal| refused(target, refusal))?;
                Ok(Writer::Database(Box::new(writer), target.clone()))
            }
            // A location this build cannot write (cargo features): `write` says so at the end.
            #[allow(unreachable_patterns)]
            _ => {
                let _ = plan; // Only a database written as tables come needs it.
                Ok(Writer::AtTheEnd(target.clone()))
            }
        }
    }

    /// Leaves out of a folder's previous content the files of `tables` (see
    /// [`FolderWriter::drop_tables`]); a database keeps its other tables.
    pub fn drop_tables(&mut self, tables: &[(String, Dialect)]) {
        if let Writer::Folder(folder) = self {
            folder.drop_tables(tables);
        }
    }

    /// What generation must keep of the tables for [`Writer::finish`].
    pub fn keep(&self) -> Keep {
        match self {
            Writer::Folder(_) => Keep::Needed,
            Writer::Database(..) => Keep::Needed,
            Writer::AtTheEnd(_) => Keep::All,
        }
    }

    /// Finishes writing: `tables` are what generation kept (every table, whole, when
    /// [`Writer::keep`] says so). Returns what was written for each table.
    pub fn finish(
        self,
        tables: &IndexMap<String, SyntheticTable>,
        plan: &Plan,
    ) -> Result<Vec<PathBuf>> {
        match self {
            Writer::Folder(folder) => Ok(in_tables_order(folder.finish()?, tables)),
            Writer::Database(writer, target) => {
                writer
                    .finish()
                    .map_err(|refusal| refused(&target, refusal))?;
                Ok(in_database(&target.location, tables))
            }
            Writer::AtTheEnd(target) => write(&target, tables, plan),
        }
    }
}

impl Sink for Writer {
    /// Takes one generated table (parents come before children).
    fn table(&mut self, table: &Arc<SyntheticTable>) -> Result<()> {
        match self {
            Writer::Folder(folder) => folder.table(table),
            Writer::Database(writer, target) => writer
                .rows(table, 0, true)
                .map_err(|refusal| refused(target, refusal)),
            Writer::AtTheEnd(_) => Ok(()),
        }
    }

    fn takes_parts(&self) -> bool {
        // A folder keeps each table's file open from its first part to its last; a database
        // inserts each part as it comes.
        match self {
            Writer::Folder(_) => true,
            Writer::Database(..) => true,
            Writer::AtTheEnd(_) => false,
        }
    }

    fn part(&mut self, part: SyntheticTable, first_row: usize, last: bool) -> Result<()> {
        match self {
            Writer::Folder(folder) => folder.part(part, first_row, last),
            Writer::Database(writer, target) => writer
                .rows(&part, first_row, last)
                .map_err(|refusal| refused(target, refusal)),
            Writer::AtTheEnd(target) => Err(Error::Target {
                target: target.location.to_string(),
                message: format!(
                    "table `{}` came in parts to a target that writes whole tables",
                    part.name
                ),
            }),
        }
    }

    fn settle(&mut self) -> Result<()> {
        match self {
            Writer::Folder(folder) => folder.settle(),
            Writer::Database(..) | Writer::AtTheEnd(_) => Ok(()),
        }
    }

    fn parents_first(&self) -> bool {
        // A database enforces foreign keys as rows arrive; files are read once complete.
        matches!(self, Writer::Database(..))
    }
}

/// Writes every table to the target, parents before children (the map's order); returns what
/// was written for each table (a file, or the database and table).
pub fn write(
    target: &Target,
    tables: &IndexMap<String, SyntheticTable>,
    plan: &Plan,
) -> Result<Vec<PathBuf>> {
    let _ = plan; // Only the database writers need the foreign keys' parents.
    let failed = |message: String| Error::Target {
        target: target.location.to_string(),
        message,
    };
    match (&target.location, target.format) {
        (Location::Folder(dir), FileFormat::Csv) => super::write_all(dir, tables),
        #[cfg(feature = "parquet")]
        (Location::Folder(dir), FileFormat::Parquet) => super::parquet::write_all(dir, tables),
        #[cfg(feature = "sqlite")]
        (Location::Sqlite(path), _) => {
            super::sqlite::write(path, tables, plan, target.if_exists)
                .map_err(|refusal| refused(target, refusal))?;
            Ok(in_database(&target.location, tables))
        }
        #[cfg(feature = "postgres")]
        (Location::Postgres(pg), _) => {
            super::postgres::write(pg, tables, plan, target.if_exists)
                .map_err(|refusal| refused(target, refusal))?;
            Ok(in_database(&target.location, tables))
        }
        #[allow(unreachable_patterns)]
        _ => Err(failed(
            "this dxsynth was built without support for this output (cargo features `sqlite`, \
             `postgres`, `parquet`)"
                .into(),
        )),
    }
}

/// A database writer's refusal as the library's error.
fn refused(target: &Target, refusal: super::Refusal) -> Error {
    let target = target.location.to_string();
    match refusal {
        super::Refusal::HoldsRows(table) => Error::TargetHoldsRows { target, table },
        super::Refusal::Failed(message) => Error::Target { target, message },
    }
}

/// "sqlite:out.db, table orders" for each table, as the summary shows it.
#[allow(dead_code)]
/// The paths written, in the order of `tables` (the order of the run's report) rather than the
/// order they were written in.
fn in_tables_order(
    mut written: Vec<(String, PathBuf)>,
    tables: &IndexMap<String, SyntheticTable>,
) -> Vec<PathBuf> {
    written.sort_by_key(|(name, _)| tables.get_index_of(name).unwrap_or(usize::MAX));
    written.into_iter().map(|(_, path)| path).collect()
}

fn in_database(location: &Location, tables: &IndexMap<String, SyntheticTable>) -> Vec<PathBuf> {
    tables
        .keys()
        .map(|name| PathBuf::from(format!("{location}, table {name}")))
        .collect()
}
