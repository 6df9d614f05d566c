//! What holds across the crate's rooms: the text codes of its enums, and the layers the modules
//! of both crates import along (`docs/architecture.md`, "What may import what").

use std::collections::BTreeSet;
use std::path::Path;

/// The text codes (strum) of the enums stored or sent as text are their JSON names (serde):
/// the two derives must never disagree.
#[test]
fn codes_are_the_json_names() {
    fn same<T: serde::Serialize + Into<&'static str> + Copy + std::fmt::Debug>(values: &[T]) {
        for value in values {
            assert_eq!(serde_json::to_value(value).unwrap(), (*value).into(), "{value:?}");
        }
    }
    use app::api::account::{ConsentMethod, RepresentedKind};
    use app::api::emergency::NotificationKind as N;
    use app::api::history::HistoryFilter as H;
    use app::api::timeline::TimelineKind as T;
    use app::directory::Profession;
    same(&Profession::ALL);
    same(&[N::BreakGlass, N::BreakGlassOfPatient, N::DocumentDeposited, N::FirstAccess]);
    same(&[N::NewDevice, N::EmergencyLinkViewed]);
    same(&[H::All, H::Professionals, H::BreakGlass, H::Refused]);
    same(&[T::Document, T::ProfileChange, T::CareEvent]);
    same(&[RepresentedKind::Minor, RepresentedKind::ProtectedAdult]);
    same(&[ConsentMethod::InPerson, ConsentMethod::Written, ConsentMethod::CourtDecision]);
}

/// Each top-level module of `app/src/` and its layer, from the bottom: a module imports from its
/// own layer or below, never above. The table of `docs/architecture.md`; a new module is added
/// to both.
const APP_LAYERS: &[(&str, u8)] = &[
    ("vocabulary", 1),
    ("date", 1),
    ("directory", 1),
    ("audit", 1),
    ("i18n", 1),
    ("ins", 1),
    ("policy", 2),
    ("safety", 2),
    ("api", 3),
    ("network", 4),
    ("client", 4),
    ("ui", 5),
    ("chunk", 6),
    ("cache", 7),
    ("account", 8),
    ("record", 8),
    ("profile", 8),
    ("emergency", 8),
    ("pro", 8),
    ("summary", 8),
    ("layout", 9),
    ("pages", 9),
];

/// The same for `server/src/`. The rooms a person uses (layer 8) sit on the plumbing they share;
/// the composition root assembles them and may import anything.
const SERVER_LAYERS: &[(&str, u8)] = &[
    ("vault", 1),
    ("clock", 1),
    ("passwords", 1),
    ("store", 2),
    ("audit", 3),
    ("messages", 3),
    ("rotation", 3),
    ("error", 4),
    ("migration", 4),
    ("extract", 5),
    ("health", 5),
    ("limits", 5),
    ("schedule", 5),
    ("representatives", 5),
    ("notices", 6),
    ("session", 6),
    ("asker", 7),
    ("account", 8),
    ("record", 8),
    ("profile", 8),
    ("emergency", 8),
    ("professional", 8),
    ("feed", 8),
    ("fhir", 9),
];

/// The server's composition root: the router, the state, the flags, the commands, start-up.
const SERVER_ROOT: &[&str] = &["web", "state", "config", "commands", "main", "lib", "telemetry"];

/// The top-level modules a source file names, comments left out: `crate::x…`,
/// `crate::{x::…, y as z, …}`, and the same through `super::` where it is the crate's root
/// (`depth` times in a file `depth` modules below it).
fn imports(source: &str, depth: usize) -> BTreeSet<String> {
    let module = |word: &str| {
        !word.is_empty()
            && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for root in ["crate::".to_owned(), "super::".repeat(depth)] {
        let mut from = 0;
        while let Some(at) = code[from..].find(&root) {
            let start = from + at;
            from = start + root.len();
            // `super::super::x` is not `super::x` from one module further down.
            if code[..start].ends_with("::")
                || code[..start].ends_with(|c: char| c.is_alphanumeric())
            {
                continue;
            }
            let rest = &code[from..];
            // More `super::` than the file is deep: not the crate's root.
            if rest.starts_with("super::") {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                group_imports(group, &module, &mut found);
            } else {
                let name: String =
                    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if module(&name) {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// The first segment of each item of a `use` group (`x::…`, `x as y`, `x`), up to its closing
/// brace.
fn group_imports(group: &str, module: &dyn Fn(&str) -> bool, found: &mut BTreeSet<String>) {
    // `word`: the item's first segment so far; `named`: it is read, and the rest of the item
    // (its path, or `as` and a name) is not a module of the crate's root.
    let (mut depth, mut word, mut previous, mut named) = (1, String::new(), ' ', false);
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                if !named && module(&word) {
                    found.insert(word.clone());
                }
                (word, named) = (String::new(), false);
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            ':' if previous == ':' && depth == 1 && !named => {
                if module(&word) {
                    found.insert(word.clone());
                }
                named = true;
            }
            c if c.is_whitespace() && depth == 1 && !named && !word.is_empty() => {
                if module(&word) {
                    found.insert(word.clone());
                }
                named = true;
            }
            c if (c.is_ascii_alphanumeric() || c == '_') && depth == 1 && !named => word.push(c),
            _ => {}
        }
        previous = c;
    }
}

fn sources(folder: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            into.push(path);
        }
    }
}

/// Every module that its imports lead back to, with the way round (`a -> b -> a`), once per
/// circle's smallest module.
fn circles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    fn way_back(
        edges: &BTreeSet<(String, String)>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for (_, next) in edges.iter().filter(|(from, _)| *from == here) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            // Only through modules after `start`, so each circle is found from its smallest.
            if next.as_str() > start && seen.insert(next.clone()) {
                path.push(next.clone());
                if way_back(edges, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let modules: BTreeSet<&String> = edges.iter().map(|(from, _)| from).collect();
    let mut found = Vec::new();
    for start in modules {
        let mut path = vec![start.clone()];
        if way_back(edges, start, &mut path, &mut BTreeSet::new()) {
            found.push(path);
        }
    }
    found
}

/// What in the crate at `root` goes against `layers`: a module without a layer, an import from a
/// layer above, a circle of imports (within a layer). `roots` may import anything.
fn against_layers(root: &Path, layers: &[(&str, u8)], roots: &[&str]) -> Vec<String> {
    let layer = |module: &str| layers.iter().find(|(name, _)| *name == module).map(|(_, n)| *n);
    let mut files = Vec::new();
    sources(root, &mut files);
    let mut wrong = Vec::new();
    let mut edges = BTreeSet::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let module = relative.split('/').next().unwrap().trim_end_matches(".rs").to_owned();
        if roots.contains(&module.as_str()) {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!("{relative}: module `{module}` has no layer"));
            continue;
        };
        // `x.rs` and `x/mod.rs` are one module below the root, `x/y.rs` two.
        let depth = relative.trim_end_matches("/mod.rs").split('/').count();
        for imported in imports(&std::fs::read_to_string(&file).unwrap(), depth) {
            let Some(theirs) = layer(&imported) else { continue };
            if imported == module {
                continue;
            }
            if theirs > own {
                wrong.push(format!("{relative}: {module} ({own}) imports {imported} ({theirs})"));
            }
            edges.insert((module.clone(), imported));
        }
    }
    wrong.extend(
        circles(&edges).into_iter().map(|circle| format!("a circle: {}", circle.join(" -> "))),
    );
    wrong
}

/// No module imports from a layer above its own, and no two import each other: neither crate
/// has an import circle between its rooms (but the server's composition root), and a new one
/// fails here.
#[test]
fn modules_import_only_from_their_layer_or_below() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR"));
    let wrong = against_layers(&app.join("src"), APP_LAYERS, &["lib"]);
    assert!(wrong.is_empty(), "app/src against its layers:\n{}", wrong.join("\n"));
    let server = app.join("../server/src");
    let wrong = against_layers(&server, SERVER_LAYERS, SERVER_ROOT);
    assert!(wrong.is_empty(), "server/src against its layers:\n{}", wrong.join("\n"));
}

#[test]
fn imports_are_read_from_paths_groups_and_the_roots_super() {
    let source = "use crate::api::X; // crate::cache\nuse crate::{\n    record::{a::B, C},\n    \
        ui::form::D,\n    chunk,\n    i18n as words,\n};\nlet x = crate::client::get();\n\
        use super::network::N;\nuse super::super::layout::L;";
    let found: Vec<_> = imports(source, 1).into_iter().collect();
    assert_eq!(found, ["api", "chunk", "client", "i18n", "network", "record", "ui"]);
    let found: Vec<_> = imports(source, 2).into_iter().collect();
    assert_eq!(found, ["api", "chunk", "client", "i18n", "layout", "record", "ui"]);
}

#[test]
fn a_circle_of_three_is_found_once() {
    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), to.to_owned()))
        .collect();
    assert_eq!(circles(&edges), [["a", "b", "c", "a"]]);
}
