//! How parts of [`super::Models`] are written to a model file when their in-memory form is not
//! a good fit for a compact binary encoding (see [`crate::modelfile`]).
//!
//! The model file's encoding (postcard) is not self-describing, so serde's internally tagged
//! enums (the plan's JSON form) cannot be read back from it. Each helper here is a
//! `#[serde(with = ...)]` module.

/// The plan as a plain, externally tagged mirror of [`crate::plan::Plan`].
pub mod plan {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::plan::{Generation, Plan, TablePlan};
    use crate::schema::ForeignKey;

    #[derive(Serialize, Deserialize)]
    struct StoredTable {
        table: String,
        generation: StoredGeneration,
        assigned: Vec<StoredKey>,
    }

    #[derive(Serialize, Deserialize)]
    enum StoredGeneration {
        Root,
        Sequential(StoredKey),
        Independent,
    }

    #[derive(Serialize, Deserialize)]
    struct StoredKey {
        column: String,
        parent: String,
    }

    impl From<&ForeignKey> for StoredKey {
        fn from(key: &ForeignKey) -> Self {
            StoredKey {
                column: key.column.clone(),
                parent: key.parent.clone(),
            }
        }
    }

    impl From<StoredKey> for ForeignKey {
        fn from(key: StoredKey) -> Self {
            ForeignKey {
                column: key.column,
                parent: key.parent,
            }
        }
    }

    /// Writes the plan as its mirror.
    pub fn serialize<S: Serializer>(plan: &Plan, serializer: S) -> Result<S::Ok, S::Error> {
        let stored: Vec<StoredTable> = plan
            .order
            .iter()
            .map(|table| StoredTable {
                table: table.table.clone(),
                generation: match &table.generation {
                    Generation::Root => StoredGeneration::Root,
                    Generation::Sequential { key } => StoredGeneration::Sequential(key.into()),
                    Generation::Independent => StoredGeneration::Independent,
                },
                assigned: table.assigned.iter().map(StoredKey::from).collect(),
            })
            .collect();
        stored.serialize(serializer)
    }

    /// Reads the plan back from its mirror.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Plan, D::Error> {
        let stored = Vec::<StoredTable>::deserialize(deserializer)?;
        let order = stored
            .into_iter()
            .map(|table| TablePlan {
                table: table.table,
                generation: match table.generation {
                    StoredGeneration::Root => Generation::Root,
                    StoredGeneration::Sequential(key) => Generation::Sequential { key: key.into() },
                    StoredGeneration::Independent => Generation::Independent,
                },
                assigned: table.assigned.into_iter().map(ForeignKey::from).collect(),
            })
            .collect();
        Ok(Plan { order })
    }
}
