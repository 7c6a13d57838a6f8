//! Where tables live: a folder of files, an SQLite database or a PostgreSQL database.
//!
//! Every place that accepts "a folder" on the command line or in a schema (`source:`) accepts a
//! location, and this module is the one place where the text is read: `sqlite:PATH`,
//! `postgres://...`/`postgresql://...` (a libpq connection URI) or else a folder path. Passwords
//! never travel in the location text (it ends up in shell histories, process lists and schema
//! files): they come from `PGPASSWORD` or an environment variable the caller names.

use std::fmt;
use std::path::{Path, PathBuf};

/// A parsed location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A folder of `<table>.csv` or `<table>.parquet` files.
    Folder(PathBuf),
    /// An SQLite database file (`sqlite:PATH`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (a libpq connection URI).
    Postgres(PgLocation),
}

/// A PostgreSQL connection URI, checked to carry no password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgLocation {
    /// The URI as written (no password in it).
    pub uri: String,
    /// The environment variable holding the password, when the caller names one; otherwise
    /// `PGPASSWORD` is used when set.
    pub password_env: Option<String>,
}

/// The variable holding the password of a PostgreSQL location that names none of its own.
static DEFAULT_PASSWORD_ENV: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names the environment variable holding the password of every PostgreSQL location that
/// names none of its own, a schema's `source:` above all (a schema never holds a password, nor
/// the variable's name): the caller's choice for the whole process, `PGPASSWORD` otherwise.
/// Only the first call counts.
pub fn set_default_password_env(var: &str) {
    let _ = DEFAULT_PASSWORD_ENV.set(var.to_string());
}

/// Which PostgreSQL database a connection reached, whatever URI named it (`postgres:///shop`,
/// `postgresql://me@/shop?port=5432`): the server's system identifier and the database's
/// object id. A run and a model file keep those of the databases they read, and refuse to
/// write into one of them: the real data would be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseMark {
    /// `pg_control_system().system_identifier`: set when the cluster was created.
    pub system: i64,
    /// The database's oid in `pg_database`.
    pub database: i64,
}

impl Location {
    /// Reads a location; relative folder and SQLite paths are taken relative to `base`.
    /// The error says what is wrong with the text, in words meant for the user.
    pub fn parse(text: &str, base: &Path) -> Result<Location, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "an empty location: give a folder, `sqlite:PATH` or `postgresql://...`".into(),
            );
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("`sqlite:` needs a file path, as in `sqlite:data/shop.db`".into());
            }
            return Ok(Location::Sqlite(base.join(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            check_no_password(text)?;
            // A URI that cannot be read is said now (a bad argument), not when connecting.
            #[cfg(feature = "postgres")]
            text.parse::<postgres::Config>()
                .map_err(|err| format!("cannot read the connection URI `{text}`: {err}"))?;
            return Ok(Location::Postgres(PgLocation {
                uri: text.to_string(),
                password_env: None,
            }));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "unknown location scheme `{scheme}://`: use a folder, `sqlite:PATH` or \
                 `postgresql://...`"
            ));
        }
        // `out/.` is `out`: renamed as a whole at the end, `out/.` cannot be moved aside.
        Ok(Location::Folder(base.join(text).components().collect()))
    }

    /// The same location with the password taken from the environment variable `var`
    /// (PostgreSQL only; other locations have no password).
    pub fn with_password_env(mut self, var: Option<&str>) -> Location {
        if let (Location::Postgres(pg), Some(var)) = (&mut self, var) {
            pg.password_env = Some(var.to_string());
        }
        self
    }

    /// Whether this is a database (tables are read by name rather than from files).
    pub fn is_database(&self) -> bool {
        !matches!(self, Location::Folder(_))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Folder(path) => write!(f, "{}", path.display()),
            Location::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Location::Postgres(pg) => f.write_str(&pg.uri),
        }
    }
}

/// Refuses `postgresql://user:secret@host/db` and `?password=...`.
fn check_no_password(uri: &str) -> Result<(), String> {
    let refuse =
        || {
            Err("the connection URI holds a password; passwords never go on the command line or in \
             a schema file: set PGPASSWORD, or name the environment variable that holds it"
            .to_string())
        };
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return refuse();
    }
    if let Some((_, query)) = rest.split_once('?')
        && query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("password"))
    {
        return refuse();
    }
    Ok(())
}

#[cfg(feature = "postgres")]
impl PgLocation {
    /// The connection settings: the URI, then the usual `PG*` environment variables for what it
    /// leaves out (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`), then the password from the named
    /// variable or `PGPASSWORD`. Without a host, the Unix socket in `/var/run/postgresql` or
    /// `/tmp` is used when there is one, else `localhost`, as libpq does.
    pub fn config(&self) -> Result<postgres::Config, String> {
        self.config_with(&|name| std::env::var(name).ok())
    }

    /// [`PgLocation::config`] with the environment given as a function (for tests).
    pub fn config_with(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<postgres::Config, String> {
        let mut config: postgres::Config = self
            .uri
            .parse()
            .map_err(|err| format!("cannot read the connection URI `{}`: {err}", self.uri))?;
        if config.get_hosts().is_empty() {
            let host = env("PGHOST").unwrap_or_else(default_host);
            for host in host.split(',') {
                config.host(host);
            }
        }
        if config.get_ports().is_empty()
            && let Some(port) = env("PGPORT")
        {
            let port: u16 = port
                .parse()
                .map_err(|_| format!("PGPORT is not a port number: `{port}`"))?;
            config.port(port);
        }
        if config.get_user().is_none() {
            let user = env("PGUSER")
                .or_else(|| env("USER"))
                .ok_or("no user: give `user=` in the URI or set PGUSER")?;
            config.user(&user);
        }
        if config.get_dbname().is_none()
            && let Some(db) = env("PGDATABASE")
        {
            config.dbname(&db);
        }
        match self.password_env.as_ref().or(DEFAULT_PASSWORD_ENV.get()) {
            Some(var) => {
                let password = env(var).ok_or_else(|| {
                    format!("the environment variable {var}, named for the password, is not set")
                })?;
                config.password(password);
            }
            None => {
                if let Some(password) = env("PGPASSWORD") {
                    config.password(password);
                }
            }
        }
        config.application_name("dxsynth");
        Ok(config)
    }
}

#[cfg(feature = "postgres")]
fn default_host() -> String {
    ["/var/run/postgresql", "/tmp"]
        .iter()
        .find(|dir| Path::new(dir).join(".s.PGSQL.5432").exists())
        .map_or_else(|| "localhost".to_string(), |dir| dir.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_sqlite_and_postgres() {
        let base = Path::new("/data");
        assert_eq!(
            Location::parse("out", base),
            Ok(Location::Folder(PathBuf::from("/data/out")))
        );
        assert_eq!(
            Location::parse("sqlite:shop.db", base),
            Ok(Location::Sqlite(PathBuf::from("/data/shop.db")))
        );
        assert_eq!(
            Location::parse("sqlite:/tmp/x.db", base),
            Ok(Location::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        let pg = Location::parse("postgresql:///shop?host=/run/pg&user=me", base).unwrap();
        assert!(pg.is_database());
        assert_eq!(pg.to_string(), "postgresql:///shop?host=/run/pg&user=me");
        assert!(Location::parse("mysql://x/y", base).is_err());
        assert!(Location::parse("sqlite:", base).is_err());
    }

    #[test]
    fn passwords_are_refused() {
        let base = Path::new(".");
        for uri in [
            "postgres://me:secret@db.example/shop",
            "postgresql:///shop?user=me&password=secret",
        ] {
            let err = Location::parse(uri, base).unwrap_err();
            assert!(err.contains("PGPASSWORD"), "{err}");
        }
        assert!(Location::parse("postgres://me@db.example/shop", base).is_ok());
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn environment_fills_what_the_uri_leaves_out() {
        let Ok(Location::Postgres(pg)) =
            Location::parse("postgresql:///shop?host=/run/pg", Path::new("."))
        else {
            panic!("a postgres location")
        };
        let env = |name: &str| match name {
            "PGUSER" => Some("alice".to_string()),
            "PGPORT" => Some("5433".to_string()),
            "PGPASSWORD" => Some("pw".to_string()),
            "SECRET" => Some("other".to_string()),
            _ => None,
        };
        let config = pg.config_with(&env).unwrap();
        assert_eq!(config.get_user(), Some("alice"));
        assert_eq!(config.get_dbname(), Some("shop"));
        assert_eq!(config.get_ports(), [5433]);
        assert_eq!(config.get_password(), Some(&b"pw"[..]));
        assert!(matches!(
            config.get_hosts()[0],
            postgres::config::Host::Unix(ref path) if path == Path::new("/run/pg")
        ));
        let named = Location::Postgres(pg.clone()).with_password_env(Some("SECRET"));
        let Location::Postgres(named) = named else {
            unreachable!()
        };
        assert_eq!(
            named.config_with(&env).unwrap().get_password(),
            Some(&b"other"[..])
        );
        let missing = PgLocation {
            password_env: Some("NOPE".into()),
            ..pg
        };
        assert!(missing.config_with(&env).unwrap_err().contains("NOPE"));
    }
}
