//! The workspace's shape, read from its sources with a Rust parser: no import
//! circle between the modules of the operator or of the plugin, no source file
//! over 450 lines and no function over 80 (tests aside). A change that breaks one
//! names the modules, the file or the function.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

const MAX_FILE_LINES: usize = 450;
const MAX_FN_LINES: usize = 80;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, test files (`*_tests.rs`) aside.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("a source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with("_tests.rs")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The module path of a file under `src` (`controller/mod.rs` → `controller`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// The paths a module names (uses and expressions alike), and its functions'
/// lengths; items under `#[cfg(test)]` are skipped.
#[derive(Default)]
struct Reader {
    paths: Vec<Vec<String>>,
    functions: Vec<(String, usize)>,
    /// Lines of the items under `#[cfg(test)]`.
    test_lines: usize,
}

impl Reader {
    fn function(&mut self, name: &syn::Ident, span: proc_macro2::Span) {
        let lines = span.end().line - span.start().line + 1;
        self.functions.push((name.to_string(), lines));
    }
}

fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push([prefix.clone(), vec![n.ident.to_string()]].concat()),
        syn::UseTree::Rename(r) => out.push([prefix.clone(), vec![r.ident.to_string()]].concat()),
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Reader {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_cfg_test(attrs) {
            use syn::spanned::Spanned;
            let span = item.span();
            self.test_lines += span.end().line - span.start().line + 1;
        } else {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        use_paths(&u.tree, &mut Vec::new(), &mut self.paths);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.paths
            .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    // `pub(in crate::x)` says who may see an item; it imports nothing.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        use syn::spanned::Spanned;
        self.function(&f.sig.ident, f.span());
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        use syn::spanned::Spanned;
        if !is_cfg_test(&f.attrs) {
            self.function(&f.sig.ident, f.span());
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
}

struct Crate {
    /// Module path → what it reads.
    modules: BTreeMap<Vec<String>, (PathBuf, Reader, usize)>,
}

fn read_crate(src: &Path) -> Crate {
    let mut modules = BTreeMap::new();
    for file in sources(src) {
        let text = std::fs::read_to_string(&file).expect("a readable source");
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut reader = Reader::default();
        reader.visit_file(&parsed);
        // Tests may sit beside the code they test: they do not count.
        let lines = text.lines().count() - reader.test_lines;
        modules.insert(module_of(src, &file), (file, reader, lines));
    }
    Crate { modules }
}

impl Crate {
    /// The longest module prefix of `path` (`crate::a::b::Item` → `a::b`).
    fn module_named(&self, path: &[String]) -> Option<Vec<String>> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.modules.contains_key(p))
    }

    /// The module a path seen in `from` leads into, if another of this crate's.
    fn target(&self, from: &[String], path: &[String]) -> Option<Vec<String>> {
        let (mut base, mut rest) = match path.first().map(String::as_str) {
            Some("crate") => (Vec::new(), &path[1..]),
            Some("super" | "self") => (from.to_vec(), path),
            Some(first) => {
                let child = [from.to_vec(), vec![first.to_owned()]].concat();
                if !self.modules.contains_key(&child) {
                    return None;
                }
                (from.to_vec(), path)
            }
            None => return None,
        };
        while let Some(step) = rest.first().map(String::as_str) {
            match step {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
        let target = self.module_named(&[base, rest.to_vec()].concat())?;
        // The crate root is where `main` and `lib` meet every module: not an edge.
        (target != from && !target.is_empty()).then_some(target)
    }

    fn edges(&self) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
        self.modules
            .iter()
            .map(|(m, (_, reader, _))| {
                let to = reader
                    .paths
                    .iter()
                    .filter_map(|p| self.target(m, p))
                    .collect();
                (m.clone(), to)
            })
            .collect()
    }
}

/// The import circles of a crate: every strongly connected set of more than one
/// module (Tarjan's algorithm).
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a [String], usize>,
        low: BTreeMap<&'a [String], usize>,
        stack: Vec<&'a [String]>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a [String]) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w.as_slice()) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w.as_slice()]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w.as_slice()) {
                    let low = self.low[v].min(self.index[w.as_slice()]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut set = Vec::new();
                while let Some(w) = self.stack.pop() {
                    set.push(w.join("::"));
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    set.sort();
                    self.found.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_slice()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_two_modules_import_each_other_directly_or_around_a_loop() {
    for krate in ["operator/src", "kubectl-odoo/src"] {
        let read = read_crate(&workspace().join(krate));
        let edges = read.edges();
        assert!(
            edges.values().map(BTreeSet::len).sum::<usize>() > 20,
            "{krate}: the reader found almost no imports; it reads nothing"
        );
        let found = circles(&edges);
        assert!(found.is_empty(), "import circles in {krate}: {found:#?}");
    }
}

#[test]
fn no_source_file_over_450_lines_and_no_function_over_80() {
    let mut over = Vec::new();
    for krate in [
        "operator/src",
        "kubectl-odoo/src",
        "shared/src",
        "agent/src",
    ] {
        let src = workspace().join(krate);
        for (file, reader, lines) in read_crate(&src).modules.values() {
            let shown = file.strip_prefix(workspace()).unwrap_or(file).display();
            if *lines > MAX_FILE_LINES {
                over.push(format!("{shown}: {lines} lines"));
            }
            for (name, lines) in &reader.functions {
                if *lines > MAX_FN_LINES {
                    over.push(format!("{shown}: fn {name} is {lines} lines"));
                }
            }
        }
    }
    assert!(over.is_empty(), "{over:#?}");
}

/// The checks above see what they claim to: a circle, a long file and a long
/// function written here are found.
#[test]
fn the_checks_find_what_they_look_for() {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).expect("a module directory");
    let long_body = "    let _x = 1;\n".repeat(MAX_FN_LINES);
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").expect("lib.rs");
    std::fs::write(
        src.join("a/mod.rs"),
        format!(
            "mod c;\nuse crate::b::B;\npub struct A;\npub fn call() -> A {{ c::c() }}\nfn long() {{\n{long_body}}}\n"
        ),
    )
    .expect("a/mod.rs");
    std::fs::write(src.join("a/c.rs"), "pub fn c() -> super::A { super::A }\n").expect("a/c.rs");
    std::fs::write(
        src.join("b.rs"),
        format!("pub struct B;\n{}", "// filler\n".repeat(MAX_FILE_LINES)),
    )
    .expect("b.rs");
    let read = read_crate(src);
    let found = circles(&read.edges());
    assert_eq!(found, vec![vec!["a".to_owned(), "a::c".to_owned()]]);
    let (_, reader, _) = &read.modules[&vec!["a".to_owned()]];
    assert!(
        reader
            .functions
            .iter()
            .any(|(name, lines)| name == "long" && *lines > MAX_FN_LINES),
        "{:?}",
        reader.functions
    );
    let (_, _, lines) = &read.modules[&vec!["b".to_owned()]];
    assert!(*lines > MAX_FILE_LINES);
}
