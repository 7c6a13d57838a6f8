//! The semantic types a string column can have, and the table modes, as users write them in the
//! schema. They import nothing of the crate and sit with the schema (which names them), below
//! the detection and the generators of [`crate::semantic`] that act on them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a column means, beyond its storage type: decides how its values are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticType {
    /// A person's given name (`first_name`, `c_first_name`).
    FirstName,
    /// A person's family name (`last_name`, `surname`).
    LastName,
    /// A person's whole name (`name` in a customer, employee or person table; `manager`).
    FullName,
    /// An e-mail address (by name, confirmed by the values' `user@domain.tld` shape).
    Email,
    /// A telephone number (by name, confirmed by digits and separators).
    Phone,
    /// A street address or street name.
    StreetAddress,
    /// A city or town.
    City,
    /// A state, province or county.
    State,
    /// A postal code (`zip`, `postcode`).
    Postcode,
    /// A country, by name or code: decides the locale of the row's other personal columns.
    Country,
    /// A company or organisation name.
    Company,
    /// A web address.
    Url,
    /// A unique label of a lookup table (`nation.n_name`, `airlines.name`): kept as the real set.
    Label,
    /// Titles and names of things, or free text: a word-level model of the real text.
    Text,
    /// No semantic type: the column is modelled as its storage type says.
    None,
}

/// Every type with its schema spelling, in documentation order.
pub const ALL: [SemanticType; 15] = [
    SemanticType::FirstName,
    SemanticType::LastName,
    SemanticType::FullName,
    SemanticType::Email,
    SemanticType::Phone,
    SemanticType::StreetAddress,
    SemanticType::City,
    SemanticType::State,
    SemanticType::Postcode,
    SemanticType::Country,
    SemanticType::Company,
    SemanticType::Url,
    SemanticType::Label,
    SemanticType::Text,
    SemanticType::None,
];

impl SemanticType {
    /// The spelling used in schema files and reports.
    pub fn name(self) -> &'static str {
        match self {
            SemanticType::FirstName => "first_name",
            SemanticType::LastName => "last_name",
            SemanticType::FullName => "full_name",
            SemanticType::Email => "email",
            SemanticType::Phone => "phone",
            SemanticType::StreetAddress => "street_address",
            SemanticType::City => "city",
            SemanticType::State => "state",
            SemanticType::Postcode => "postcode",
            SemanticType::Country => "country",
            SemanticType::Company => "company",
            SemanticType::Url => "url",
            SemanticType::Label => "label",
            SemanticType::Text => "text",
            SemanticType::None => "none",
        }
    }

    /// Whether values of this type can point at one person: such values are never replayed
    /// unless shared by at least the privacy threshold of rows.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            SemanticType::FirstName
                | SemanticType::LastName
                | SemanticType::FullName
                | SemanticType::Email
                | SemanticType::Phone
                | SemanticType::StreetAddress
                | SemanticType::Postcode
        )
    }
}

impl fmt::Display for SemanticType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SemanticType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL.iter()
            .copied()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL.iter().map(|kind| kind.name()).collect();
                format!(
                    "unknown semantic type `{text}` (one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// How a table is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableMode {
    /// Copied verbatim, keys included (lookup and calendar tables).
    Keep,
    /// Synthesized, even when it looks like a lookup table.
    Synthesize,
}

impl fmt::Display for TableMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableMode::Keep => "keep",
            TableMode::Synthesize => "synthesize",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ALL {
            assert_eq!(kind.name().parse::<SemanticType>(), Ok(kind));
        }
        assert!("e-mail".parse::<SemanticType>().is_err());
    }
}
