//! Labels read back from a model file as one shared string per text.
//!
//! Reading a table gives each distinct label of a column one shared string (see
//! [`crate::data::load_table`]); a model trained on it keeps clones of those. Decoded from a model
//! file, every copy of a label in every tree leaf would instead be a string of its own: lineitem's
//! seven ship modes thousands of times over. Generation then reads a different string for every
//! leaf a row falls in (hashed and compared to encode it, copied to write it, looked up to spill
//! it), each a likely cache miss. While [`sharing`] runs, labels decoded through [`label`] are
//! made once per text, so generating from a model file reads what generating right after
//! training reads.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};

thread_local! {
    /// The labels decoded so far on this thread, while [`sharing`].
    static SHARED: RefCell<Option<HashSet<Arc<str>>>> = const { RefCell::new(None) };
}

/// Runs `read`; labels decoded through [`label`] on this thread meanwhile share one string per
/// text. The strings are released from here when `read` returns or unwinds (its result holds
/// them), and what was shared before is shared again.
pub fn sharing<R>(read: impl FnOnce() -> R) -> R {
    /// Puts back the labels shared before, however `read` ends.
    struct Restore(Option<HashSet<Arc<str>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            SHARED.with(|shared| *shared.borrow_mut() = before);
        }
    }
    let before = SHARED.with(|shared| shared.borrow_mut().replace(HashSet::new()));
    let _restore = Restore(before);
    read()
}

/// Decodes a label: the string decoded before for the same text while [`sharing`], else a
/// new one.
pub fn label<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(share(text))
}

/// The shared string of `text` while [`sharing`] (made on its first use), else a new one.
pub fn share(text: String) -> Arc<str> {
    SHARED.with(|shared| match shared.borrow_mut().as_mut() {
        Some(labels) => match labels.get(text.as_str()) {
            Some(label) => Arc::clone(label),
            None => {
                let label: Arc<str> = Arc::from(text);
                labels.insert(Arc::clone(&label));
                label
            }
        },
        None => Arc::from(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Value;

    fn decode(json: &str) -> Vec<Value> {
        serde_json::from_str(json).expect("valid JSON")
    }

    fn labels(values: &[Value]) -> Vec<&Arc<str>> {
        values
            .iter()
            .filter_map(|value| match value {
                Value::Label(label) => Some(label),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn equal_labels_share_one_string_only_while_sharing() {
        let json = r#"[{"Label":"AIR"},{"Number":1.5},{"Label":"AIR"},{"Label":"RAIL"}]"#;
        let shared = sharing(|| decode(json));
        let [air, again, rail] = labels(&shared)[..] else {
            panic!("three labels expected");
        };
        assert!(Arc::ptr_eq(air, again));
        assert!(!Arc::ptr_eq(air, rail));
        assert_eq!((&**again, &**rail), ("AIR", "RAIL"));

        let apart = decode(json);
        let [air, again, _] = labels(&apart)[..] else {
            panic!("three labels expected");
        };
        assert!(!Arc::ptr_eq(air, again), "no sharing outside `sharing`");
        assert_eq!(apart, shared);
    }

    #[test]
    fn sharing_ends_with_its_reading_even_when_that_panics() {
        let json = r#"[{"Label":"AIR"},{"Label":"AIR"}]"#;
        let unwound = std::panic::catch_unwind(|| {
            sharing(|| {
                decode(json);
                panic!("a reader that fails")
            })
        });
        assert!(unwound.is_err());
        let apart = decode(json);
        let [air, again] = labels(&apart)[..] else {
            panic!("two labels expected");
        };
        assert!(!Arc::ptr_eq(air, again), "no sharing left behind");
    }
}
