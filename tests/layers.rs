//! The architecture holds: imports only go down the layers that ARCHITECTURE.md declares, sibling
//! files of a module import each other without circles, `lib.rs` stays an index, and no library
//! file names a command-line flag or an exit code (those belong to the binary, `src/commands/`).
//!
//! The check reads the source as text: every `crate::<module>` path outside comments is an
//! import of that top-level module, and every `super::<file>` path in a sub-file an import of
//! that sibling.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Top-level module -> layer, from the `layer N: a b c` lines of ARCHITECTURE.md.
fn declared_layers() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut layers = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("layer ") else {
            continue;
        };
        let (number, modules) = rest.split_once(':').expect("`layer N: modules`");
        let number: usize = number.trim().parse().expect("a layer number");
        for module in modules.split_whitespace() {
            assert!(
                layers.insert(module.to_string(), number).is_none(),
                "`{module}` is declared twice"
            );
        }
    }
    assert!(!layers.is_empty(), "ARCHITECTURE.md declares no layers");
    layers
}

/// The library's source files, each with the top-level module it belongs to.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = root().join("src");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&src).expect("src/") {
        let path = entry.expect("an entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "commands" {
                for file in rust_files(&path) {
                    files.push((name.clone(), file));
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            files.push((name, path));
        }
    }
    files.sort();
    files
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a module folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The file's code without comments.
fn code(path: &Path) -> String {
    without_comments(&std::fs::read_to_string(path).expect("a source file"))
}

/// `text` without comments (`//` to the end of a line).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // `//` inside a string (a URL, say) is rare in this code base; a doc or line comment
            // is what matters here.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names following `prefix` (`crate::` or `super::`) in `code`, and the same names inside
/// `prefix{a, b::c}` groups.
fn paths_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn imports_only_go_down_the_layers() {
    let layers = declared_layers();
    let mut problems = Vec::new();
    let mut modules = BTreeSet::new();
    for (module, file) in library_files() {
        modules.insert(module.clone());
        let Some(&own) = layers.get(&module) else {
            problems.push(format!(
                "module `{module}` is not in ARCHITECTURE.md's layers"
            ));
            continue;
        };
        for used in paths_after(&code(&file), "crate::") {
            if used == module || used == "self" {
                continue;
            }
            match layers.get(&used) {
                Some(&layer) if layer < own => {}
                Some(&layer) => problems.push(format!(
                    "{}: `{module}` (layer {own}) imports `{used}` (layer {layer})",
                    file.display()
                )),
                // Re-exports of the crate root (`crate::Result`) are not modules.
                None if used.starts_with(char::is_uppercase) => problems.push(format!(
                    "{}: `{module}` imports `crate::{used}` from the crate root; import it \
                     from the module that declares it",
                    file.display()
                )),
                None => problems.push(format!(
                    "{}: `{module}` imports `{used}`, which is not a declared module",
                    file.display()
                )),
            }
        }
    }
    for declared in layers.keys() {
        if !modules.contains(declared) {
            problems.push(format!(
                "ARCHITECTURE.md declares `{declared}`, which src/ lacks"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    // The checker itself must be able to fail: a planted upward import is found.
    let planted = "use crate::train::Models;\nuse crate::{data, model::Privacy};\n// crate::x\n";
    let found = paths_after(&without_comments(planted), "crate::");
    assert_eq!(
        found,
        ["data", "model", "train"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let layers = declared_layers();
    assert!(layers["train"] > layers["model"], "train sits above model");
}

#[test]
fn sibling_files_import_each_other_without_circles() {
    let src = root().join("src");
    let mut problems = Vec::new();
    for dir in [
        "data", "model", "evaluate", "init", "input", "output", "rules", "semantic", "commands",
    ] {
        let files = rust_files(&src.join(dir));
        let name = |path: &Path| path.file_stem().unwrap().to_string_lossy().into_owned();
        let siblings: BTreeSet<String> = files
            .iter()
            .map(|f| name(f))
            .filter(|n| n != "mod")
            .collect();
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in files.iter().filter(|f| name(f) != "mod") {
            let used = paths_after(&code(file), "super::");
            let used = used
                .into_iter()
                .filter(|u| siblings.contains(u) && *u != name(file));
            edges.entry(name(file)).or_default().extend(used);
        }
        if let Some(circle) = find_circle(&edges) {
            problems.push(format!("src/{dir}: {}", circle.join(" -> ")));
        }
    }
    assert!(
        problems.is_empty(),
        "import circles:\n{}",
        problems.join("\n")
    );
}

/// A circle in a directed graph, as the list of its nodes, if there is one.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in pairs {
            edges
                .entry(a.to_string())
                .or_default()
                .insert(b.to_string());
        }
        edges
    };
    assert!(find_circle(&graph(&[("a", "b"), ("b", "c")])).is_none());
    let circle = find_circle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")]));
    assert_eq!(circle.map(|c| c.len()), Some(4));
}

#[test]
fn no_library_file_names_a_flag_or_an_exit_code() {
    let flags = [
        "--scale",
        "--seed",
        "--min-quality",
        "--max-detection-auc",
        "--tables",
        "--rows",
        "--given",
        "--output",
        "--force",
        "--dry-run",
        "--quiet",
        "--model",
        "--privacy-min-count",
        "--report",
        "--format",
        "--json",
        "--html",
        "--if-exists",
        "--password-env",
    ];
    let mut problems = Vec::new();
    for (_, file) in library_files() {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for flag in flags {
            if text.contains(flag) {
                problems.push(format!("{} names `{flag}`", file.display()));
            }
        }
        for word in [
            "exit code",
            "exit_code",
            "ExitCode",
            "indicatif",
            "process::exit",
        ] {
            if text.contains(word) {
                problems.push(format!("{} mentions `{word}`", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn lib_rs_is_an_index() {
    let text = std::fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs");
    assert!(
        text.lines().count() <= 120,
        "src/lib.rs has grown past 120 lines"
    );
    for line in text.lines().map(str::trim) {
        assert!(
            !(line.starts_with("fn ") || line.starts_with("pub fn ") || line.contains(" struct ")),
            "src/lib.rs declares code, not only modules and re-exports: {line}"
        );
    }
    assert!(
        !text.contains("mod commands"),
        "commands belong to the binary"
    );
}
