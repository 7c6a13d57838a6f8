//! Values that read as real: semantic column types (what a string column means), lookup and
//! calendar tables kept as they are, and generators for people, contact data and text.
//!
//! Detection ([`detect`]) runs on the real data at training (and in `init`); what the
//! generators keep ([`SemanticModel`]) obeys the privacy threshold: only values shared by at
//! least k rows, names from public lists, templates and shapes, never a unique real value.

mod bundled;
mod company;
mod counties;
mod county;
pub mod detect;
pub mod fill;
mod follows;
mod fullname;
mod gendered;
pub mod keep;
pub mod locale;
mod phrases;
mod places;
mod postcode;
mod surnames;
pub mod text;

#[cfg(test)]
mod tests;
