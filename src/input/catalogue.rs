//! What a database says about its tables: columns with their declared types and NOT NULL,
//! primary keys and foreign keys. `init` takes declared keys as given; loading uses the types.

use crate::schema::ColumnKind;

/// The tables of a database, in the database's order (by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// Every ordinary table.
    pub tables: Vec<CatalogueTable>,
    /// Tables whose declarations could not be read, with why: left out, not a reason to read
    /// none of the others.
    pub unreadable: Vec<(String, String)>,
}

/// One table as the catalogue declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueTable {
    /// The table's name (schema-qualified for PostgreSQL tables outside the search path).
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<CatalogueColumn>,
    /// The primary key's columns (empty: none declared).
    pub primary_key: Vec<String>,
    /// Declared foreign keys.
    pub foreign_keys: Vec<DeclaredForeignKey>,
}

/// One column as the catalogue declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueColumn {
    /// The column's name.
    pub name: String,
    /// The declared type as the database writes it (`numeric(10,2)`, `INTEGER`, ...).
    pub sql_type: String,
    /// Whether the column is declared NOT NULL.
    pub not_null: bool,
    /// What dxsynth makes of the type.
    pub support: Support,
}

/// What dxsynth makes of a declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Read as text; the declared type settles the column type when `Some`, else inference does.
    Read(Option<ColumnKind>),
    /// Binary, JSON, arrays and the like: not modelled.
    Unsupported,
}

/// A foreign key as declared: `columns` reference `parent_columns` of `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredForeignKey {
    /// The child's columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub parent: String,
    /// The referenced columns.
    pub parent_columns: Vec<String>,
}

impl CatalogueColumn {
    /// The warning for a column whose type cannot be modelled: kept empty when it may be empty,
    /// else left out.
    pub fn unsupported_warning(&self, table: &str) -> String {
        if self.not_null {
            format!(
                "table `{table}`, column `{}`: type `{}` cannot be modelled; the column is left \
                 out (it is NOT NULL, so a target table needs a default for it)",
                self.name, self.sql_type
            )
        } else {
            format!(
                "table `{table}`, column `{}`: type `{}` cannot be modelled; the column is kept, \
                 empty",
                self.name, self.sql_type
            )
        }
    }
}
