//! Embeds the kind files (`schemas/kinds/*.json`) and the shipped components
//! (`stdlib/*.kdl`): adding a kind or a component is adding one file. Indexes
//! the vendored provider schemas (`schemas/providers/*.json`), so that a
//! build decodes the types it uses without scanning megabytes of JSON.

use std::fmt::Write as _;
use std::path::Path;

fn embed(out: &mut String, name: &str, dir: &Path, ext: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    writeln!(out, "pub const {name}: &[(&str, &str)] = &[").unwrap();
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = path.file_name().unwrap().to_string_lossy();
        writeln!(out, "    ({file:?}, include_str!({:?})),", path.display()).unwrap();
    }
    writeln!(out, "];").unwrap();
}

/// Where each value of the JSON object starting at `at` lies:
/// `(key, start, end)` byte ranges, in the file's order.
fn members(text: &[u8], at: usize) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = skip_ws(text, at);
    assert_eq!(text[pos], b'{', "a JSON object at byte {at}");
    pos = skip_ws(text, pos + 1);
    if text[pos] == b'}' {
        return out;
    }
    loop {
        let key_end = skip_value(text, pos);
        let key = String::from_utf8(text[pos + 1..key_end - 1].to_vec()).unwrap();
        pos = skip_ws(text, key_end);
        assert_eq!(text[pos], b':');
        let start = skip_ws(text, pos + 1);
        let end = skip_value(text, start);
        out.push((key, start, end));
        pos = skip_ws(text, end);
        match text[pos] {
            b',' => pos = skip_ws(text, pos + 1),
            b'}' => return out,
            other => panic!("unexpected {:?} at byte {pos}", other as char),
        }
    }
}

fn skip_ws(text: &[u8], mut pos: usize) -> usize {
    while text[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

/// The end of the JSON value starting at `pos`.
fn skip_value(text: &[u8], mut pos: usize) -> usize {
    match text[pos] {
        b'"' => {
            pos += 1;
            loop {
                match text[pos] {
                    b'\\' => pos += 2,
                    b'"' => return pos + 1,
                    _ => pos += 1,
                }
            }
        }
        b'{' | b'[' => {
            let mut depth = 0;
            loop {
                match text[pos] {
                    b'"' => {
                        pos = skip_value(text, pos);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return pos + 1;
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
        }
        _ => {
            while !matches!(text[pos], b',' | b'}' | b']') && !text[pos].is_ascii_whitespace() {
                pos += 1;
            }
            pos
        }
    }
}

/// `PROVIDER_INDEX`: per provider schema file (by stem), the byte range of
/// its `provider` value and of each resource type's, sorted by type name.
fn index_providers(out: &mut String, dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    out.push_str(
        "/// (file stem, range of `provider`, resource types by name with their\n\
         /// ranges, data source types likewise)\n\
         pub type ProviderEntry = (&'static str, (usize, usize), &'static [(&'static str, usize, usize)], &'static [(&'static str, usize, usize)]);\n\
         pub const PROVIDER_INDEX: &[ProviderEntry] = &[\n",
    );
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read(&path).unwrap();
        let top = members(&text, 0);
        let find = |name: &str| top.iter().find(|(k, ..)| k == name);
        let (_, p_start, p_end) = find("provider").expect("a provider block");
        let types = |table: &str| {
            let mut types = find(table)
                .map(|(_, start, _)| members(&text, *start))
                .unwrap_or_default();
            types.sort();
            types
        };
        let stem = path.file_stem().unwrap().to_string_lossy();
        write!(out, "    ({stem:?}, ({p_start}, {p_end}), &[").unwrap();
        for (name, start, end) in types("resource_schemas") {
            write!(out, "({name:?}, {start}, {end}), ").unwrap();
        }
        write!(out, "], &[").unwrap();
        for (name, start, end) in types("data_source_schemas") {
            write!(out, "({name:?}, {start}, {end}), ").unwrap();
        }
        writeln!(out, "]),").unwrap();
    }
    writeln!(out, "];").unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut out = String::new();
    embed(&mut out, "KIND_FILES", &root.join("schemas/kinds"), "json");
    embed(&mut out, "STDLIB_FILES", &root.join("stdlib"), "kdl");
    index_providers(&mut out, &root.join("schemas/providers"));
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}
