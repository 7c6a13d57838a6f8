//! One module per subcommand, each with its arguments (and their help text) and a `run`.
//! The binary only parses the command line and dispatches here.

pub mod evaluate;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod run;
pub mod train;
pub mod validate;
