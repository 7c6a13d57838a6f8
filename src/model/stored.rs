//! How parts of [`super::Models`] are written to a model file when their in-memory form is not
//! a good fit for a compact binary encoding (see [`crate::modelfile`]).
//!
//! The model file's encoding (postcard) is not self-describing, so serde's internally tagged
//! enums (the plan's JSON form) cannot be read back from it; and the sorted lists models keep
//! are far smaller written as runs (a column of 20,000 years is one run). Each helper here is a
//! `#[serde(with = ...)]` module; the in-memory form is unchanged. (Tree leaves, which are many,
//! keep their runs in memory too; both use the one encoding of [`super::runs`].)

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

/// A list written as (value, repeat count) runs and expanded again on reading: for the sorted
/// lists models keep (numbers of a column, id templates, children counts), which repeat a lot.
///
/// Expanding is the one place where reading could allocate far more than the file holds (a
/// payload misread, say by a build that changed the format without changing its version, turns
/// any bytes into repeat counts). So writing counts the values it writes ([`counting`]), the
/// model file stores that total, and reading may expand no more than it ([`allowing`]); nor
/// more than [`MAX_BYTES`] in all, each value counted with its text (a run of one long id
/// template repeated ten million times, within the count, took gigabytes).
pub mod repeats {
    use std::cell::Cell;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::model::runs::{Exact, runs_of};

    /// The most bytes the lists of one model file may expand to (each value's own size and its
    /// text): a gibibyte, what the most values a file may announce (2^27) take as numbers.
    pub const MAX_BYTES: u64 = 1 << 30;

    thread_local! {
        /// Values written by [`serialize`] on this thread, while [`counting`].
        static WRITTEN: Cell<u64> = const { Cell::new(0) };
        /// Values [`deserialize`] may still expand on this thread.
        static ALLOWED: Cell<u64> = const { Cell::new(0) };
        /// Bytes [`deserialize`] may still expand to on this thread.
        static ALLOWED_BYTES: Cell<u64> = const { Cell::new(0) };
    }

    /// Runs `write` and returns its result with the number of values written as runs.
    pub fn counting<R>(write: impl FnOnce() -> R) -> (R, u64) {
        WRITTEN.with(|written| written.set(0));
        let result = write();
        (result, WRITTEN.with(Cell::get))
    }

    /// Runs `read`, letting it expand at most `allowed` values in all.
    pub fn allowing<R>(allowed: u64, read: impl FnOnce() -> R) -> R {
        ALLOWED.with(|cell| cell.set(allowed));
        ALLOWED_BYTES.with(|cell| cell.set(MAX_BYTES));
        let result = read();
        ALLOWED.with(|cell| cell.set(0));
        ALLOWED_BYTES.with(|cell| cell.set(0));
        result
    }

    /// Writes consecutive equal values as one run.
    pub fn serialize<T, S>(values: &[T], serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Exact + Serialize,
        S: Serializer,
    {
        let runs = runs_of(values);
        WRITTEN.with(|written| written.set(written.get() + values.len() as u64));
        serializer.collect_seq(runs)
    }

    /// Expands the runs, within what [`allowing`] allows: more is a decoding error, not an
    /// allocation.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        T: Clone + Exact + Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let runs = Vec::<(T, u64)>::deserialize(deserializer)?;
        let allowed = ALLOWED.with(Cell::get);
        let total = runs
            .iter()
            .try_fold(0u64, |total, (_, count)| total.checked_add(*count))
            .filter(|&total| total <= allowed)
            .ok_or_else(|| D::Error::custom("lists longer than the model file announces"))?;
        let allowed_bytes = ALLOWED_BYTES.with(Cell::get);
        let bytes = runs
            .iter()
            .try_fold(0u64, |bytes, (value, count)| {
                let each = (std::mem::size_of::<T>() + value.heap_bytes()) as u64;
                bytes.checked_add(each.checked_mul(*count)?)
            })
            .filter(|&bytes| bytes <= allowed_bytes)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "lists that expand to more than the {MAX_BYTES} bytes a model file may hold"
                ))
            })?;
        ALLOWED.with(|cell| cell.set(allowed - total));
        ALLOWED_BYTES.with(|cell| cell.set(allowed_bytes - bytes));
        let mut values = Vec::with_capacity(total as usize);
        for (value, count) in runs {
            values.extend(std::iter::repeat_n(value, count as usize));
        }
        Ok(values)
    }

    #[cfg(test)]
    mod tests {
        use serde::{Deserialize, Serialize};

        #[derive(Serialize, Deserialize)]
        struct Numbers(#[serde(with = "super")] Vec<f64>);

        fn decode(bytes: &[u8], allowed: u64) -> postcard::Result<Numbers> {
            super::allowing(allowed, || postcard::from_bytes::<Numbers>(bytes))
        }

        #[test]
        fn repeats_round_trip_to_the_bit_and_shrink() {
            let mut numbers = vec![-0.0, 0.0, 0.0, 1.5];
            numbers.extend(std::iter::repeat_n(2013.0, 10_000));
            let (bytes, written) =
                super::counting(|| postcard::to_stdvec(&Numbers(numbers.clone())));
            let bytes = bytes.expect("encode");
            assert_eq!(written, numbers.len() as u64);
            assert!(bytes.len() < 64, "{} bytes", bytes.len());
            let back = decode(&bytes, written).expect("decode");
            let bits = |values: &[f64]| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&back.0), bits(&numbers));
            assert!(
                decode(&bytes, written - 1).is_err(),
                "one value over the allowance"
            );
        }

        #[derive(Serialize, Deserialize)]
        struct Texts(#[serde(with = "super")] Vec<String>);

        #[test]
        fn long_texts_repeated_past_the_byte_bound_are_errors_not_allocations() {
            let text = "A".repeat(200);
            // Within the count a model file may announce, but gigabytes as strings.
            let count = 10_000_000u64;
            let bomb = postcard::to_stdvec(&vec![(text.clone(), count)]).expect("encode");
            let read = super::allowing(count, || postcard::from_bytes::<Texts>(&bomb));
            let message = read.err().map(|err| err.to_string()).unwrap_or_default();
            assert!(!message.is_empty(), "refused");
            // A thousand of them are fine.
            let fine = postcard::to_stdvec(&vec![(text.clone(), 1000u64)]).expect("encode");
            let read = super::allowing(1000, || postcard::from_bytes::<Texts>(&fine));
            assert_eq!(read.expect("read").0, vec![text; 1000]);
        }

        #[test]
        fn impossible_lengths_are_errors_not_allocations() {
            let huge = postcard::to_stdvec(&vec![(1.0f64, u64::MAX), (2.0, 2)]).expect("encode");
            assert!(decode(&huge, u64::MAX).is_err());
            let long = postcard::to_stdvec(&vec![(1.0f64, 1u64 << 40)]).expect("encode");
            assert!(decode(&long, 1_000_000).is_err());
        }
    }
}
