//! The `dxsynth` command line: parses arguments and hands them to the library.
//!
//! The command-line side (flags, printing, progress bars, exit codes) is the binary's own:
//! [`commands`] is compiled into the binary, not the library.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generation allocates and frees millions of small values (rows, labels, text) on both cores;
/// glibc's allocator spent a sixth of TPC-H sf1 generation in `malloc`/`free`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Synthetic copies of relational databases (folders of CSV tables): statistically faithful,
/// privacy-safe, referentially intact.
#[derive(Debug, Parser)]
#[command(name = "dxsynth", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a schema and its data; list every problem, or summarise tables and generation order.
    Validate(commands::validate::Args),
    /// Train on the real tables and write a synthetic CSV for every table.
    Run(commands::run::Args),
    /// Infer a commented, validated schema from a folder of CSV files.
    Init(commands::init::Args),
    /// Score a synthetic folder against the real data: quality, validity and privacy.
    Evaluate(commands::evaluate::Args),
    /// Train on the real tables and save everything generation needs to one model file.
    Train(commands::train::Args),
    /// Write a synthetic CSV for every table from a model file, without the real data.
    Generate(commands::generate::Args),
    /// Show what a model file holds: tables, columns, relationships, sizes, privacy settings.
    Inspect(commands::inspect::Args),
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    small_pages_only();
    // SIGINT / SIGTERM: remove staging folders and temporary model files, then stop (128 + 2).
    // Failing to install the handler only loses that clean-up.
    drop(ctrlc::set_handler(|| {
        dxsynth::files::remove_temporaries();
        std::process::exit(130);
    }));
    dxsynth::memory::set_releaser(release_freed);
    quiet_on_guarded_panics();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Evaluate(args) => commands::evaluate::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Generate(args) => {
            keep_freed_memory();
            commands::generate::run(args)
        }
        Command::Inspect(args) => commands::inspect::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("error: {err}");
            if !err.to_string().ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// No transparent huge pages for this process. mimalloc asks for them on its arenas; each first
/// touch of a 2 MiB page then has the kernel zero all of it, and memory freed and touched again
/// is zeroed again. In TPC-H sf1 generation a tenth of the perf samples were the kernel's
/// `clear_page_erms` under `do_huge_pmd_anonymous_page`; with huge pages off, system time fell
/// from 3.75-5.5 s to 3.0-3.9 s of a 20 s run (four alternating pairs; see the README's
/// Performance section). Failing only keeps the system's setting.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE reads only its integer arguments; it sets a flag of
    // this process's address space and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc keeps the memory it frees for reuse instead of handing it back to the system after
/// a second. Generation frees a table's columns and makes the next table's: handed back, each
/// page came back as a fresh one the kernel had to clear. In TPC-H sf1 generation from a model
/// file this saves a twentieth of the CPU time (27.8 -> 26.4 s, three alternating pairs) for a
/// higher peak (922 -> 1,123 MiB). Only for `generate`: a `run`'s training stage frees more
/// than generation then uses, and its peak would pass 2 GB (1,728 -> 2,360 MiB).
fn keep_freed_memory() {
    // SAFETY: sets one of mimalloc's integer options; reads and writes no memory of ours.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
    }
}

/// A panic the library turns into an error (a damaged Parquet file: [`dxsynth::guard`]) prints
/// nothing; the error it becomes is reported as any other. Every other panic is printed as
/// before.
fn quiet_on_guarded_panics() {
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !dxsynth::guard::quiet() {
            print(info);
        }
    }));
}

/// Hands the memory mimalloc freed on this thread back to the system now, not a second later.
fn release_freed() {
    // SAFETY: asks mimalloc to collect its own free lists; takes no pointers.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, mimalloc.h of version 3,
/// which libmimalloc-sys builds and does not name): milliseconds before freed memory is handed
/// back, -1 for never. The only option whose default is 1000 (a test checks the place).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// `dxsynth validate ... | head`: when the reader goes away, stop quietly as other Unix tools do
/// (the default action of SIGPIPE) instead of panicking on the failed write.
fn quiet_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one of mimalloc's integer options.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(delay, 1000, "mimalloc's purge delay defaults to a second");
    }
}
