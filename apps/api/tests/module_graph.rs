//! No module of the web shells imports another in a circle: each file's `crate::`, `super::`
//! and `self::` paths and `mod` declarations are edges of a graph over the crate's modules, and
//! the graph must have no cycle. A circle makes every module in it recompile and re-read with
//! the others; shared constants belong in a leaf module (`luffy_web::limits`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, as (module path, source).
fn modules(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                if parts == ["lib"] || parts == ["main"] {
                    parts.clear();
                }
                let source = std::fs::read_to_string(&path).unwrap();
                // Unit tests may reach anywhere; only the code that ships counts.
                let source = source
                    .split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                out.insert(parts.join("::"), source);
            }
        }
    }
    out
}

/// The module a path names: the longest prefix of it that is a module.
fn resolve(path: &str, current: &str, known: &BTreeSet<String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if current.is_empty() {
        Vec::new()
    } else {
        current.split("::").collect()
    };
    match parts.first().copied() {
        Some("crate") => base.clear(),
        Some("super") => {
            while parts.first() == Some(&"super") {
                base.pop();
                parts.remove(0);
            }
            parts.insert(0, "super");
        }
        Some("self") => {}
        _ => return None,
    }
    parts.remove(0);
    for take in (0..=parts.len()).rev() {
        let candidate: Vec<&str> = base.iter().chain(parts[..take].iter()).copied().collect();
        let candidate = candidate.join("::");
        if known.contains(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// The edges of the module graph.
fn edges(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let path = regex_lite(r"(crate|super|self)(::[A-Za-z_][A-Za-z0-9_]*)+");
    let group = regex_lite(r"use (crate|super)::\{([^;]*)\};");
    let declared = regex_lite(r"(?m)^\s*(pub(\([^)]*\))? )?mod ([a-z_0-9]+);");
    let mut graph = BTreeMap::new();
    for (name, source) in modules {
        let mut targets = BTreeSet::new();
        let mut add = |found: Option<String>| {
            if let Some(target) = found {
                let inside = !target.is_empty() && name.starts_with(&format!("{target}::"));
                if &target != name && !inside {
                    targets.insert(target);
                }
            }
        };
        for m in path.find_iter(source) {
            add(resolve(m.as_str(), name, &known));
        }
        for c in group.captures_iter(source) {
            for item in c[2].split(',') {
                let item = item.trim().split(" as ").next().unwrap_or_default();
                let item = item.split("::{").next().unwrap_or_default();
                let item =
                    item.trim_matches(|ch: char| ch == '{' || ch == '}' || ch.is_whitespace());
                if !item.is_empty() {
                    add(resolve(&format!("{}::{item}", &c[1]), name, &known));
                }
            }
        }
        for c in declared.captures_iter(source) {
            let child = if name.is_empty() {
                c[3].to_owned()
            } else {
                format!("{name}::{}", &c[3])
            };
            if known.contains(&child) {
                targets.insert(child);
            }
        }
        graph.insert(name.clone(), targets);
    }
    graph
}

fn regex_lite(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).unwrap()
}

/// A cycle of the graph, if it has one (depth-first search with colours).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut found = path[start..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, path) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(found) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn the_web_crates_have_no_module_circle() {
    for name in ["api", "web", "console"] {
        let graph = edges(&modules(&crate_src(name)));
        assert!(graph.len() > 3, "{name}: no modules found");
        if let Some(found) = cycle(&graph) {
            panic!("apps/{name} has a module circle: {}", found.join(" -> "));
        }
    }
}

#[test]
fn a_circle_is_found() {
    let mut sources = BTreeMap::new();
    sources.insert(String::new(), "mod a;\nmod b;\n".to_owned());
    sources.insert("a".to_owned(), "use crate::b::X;\n".to_owned());
    sources.insert("b".to_owned(), "fn f() { crate::a::g() }\n".to_owned());
    assert!(cycle(&edges(&sources)).is_some());
    sources.insert("b".to_owned(), "fn f() {}\n".to_owned());
    assert!(cycle(&edges(&sources)).is_none());
}

/// Where the order crate's widest circle was: the job kinds, the gateway port and the
/// handlers imported each other. Now the kinds, the port and the channels are leaves and the
/// handlers a root. Test modules (`#[cfg(test)]`) may reach anywhere.
#[test]
fn the_order_jobs_port_and_handlers_form_no_circle() {
    let sources: BTreeMap<String, String> = modules(&crate_src("../crates/order"))
        .into_iter()
        .map(|(name, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            (name, code)
        })
        .collect();
    let graph = edges(&sources);
    for leaf in ["channel", "gateway", "jobs"] {
        let reaches: Vec<&String> = graph
            .get(leaf)
            .map(|targets| targets.iter().collect())
            .unwrap_or_default();
        assert!(
            reaches
                .iter()
                .all(|t| ["channel", "gateway", "status"].contains(&t.as_str())),
            "luffy-order's {leaf} must only name channel, gateway and status: {reaches:?}"
        );
    }
    // The handlers sit on top: nothing in the crate imports them, so no circle runs through
    // them either.
    for (module, targets) in graph.iter().filter(|(m, _)| !m.is_empty()) {
        assert!(
            !targets.contains("handlers"),
            "luffy-order's {module} imports the handlers"
        );
    }
    assert!(graph.contains_key("handlers"), "{graph:?}");
}
