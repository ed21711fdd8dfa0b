//! The fast readers (block YAML, JSON) against saphyr: on every document they accept, the same
//! value, positions and start as the saphyr path, on the corpora and on random edits of them.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use crate::loader::{parse_with_saphyr, push_document, read_fast};
use crate::{LoadLimits, LoadedDocument, SourceFile, split_documents, split_list_items};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many of a file's pieces the fast reader accepted, and how many there were. Panics when
/// an accepted piece differs from what saphyr reads.
fn agrees_with_saphyr(file: &Arc<SourceFile>) -> (usize, usize) {
    let limits = LoadLimits::default();
    let pieces = split_list_items(split_documents(file));
    let mut accepted = 0;
    for piece in &pieces {
        let Some(fast) = read_fast(piece, &limits) else {
            continue;
        };
        accepted += 1;
        let mut fast_docs = Vec::new();
        push_document(
            file,
            piece,
            fast.value,
            fast.positions,
            fast.start,
            &mut fast_docs,
        );
        let (mut docs, mut diags) = (Vec::new(), Vec::new());
        parse_with_saphyr(file, piece, &limits, &mut docs, &mut diags, 64);
        assert!(
            diags.is_empty(),
            "{}: the fast reader accepted a piece at line {} that saphyr reports: {diags:?}\n{}",
            file.name,
            piece.first_line + 1,
            piece.text
        );
        let describe = |d: &[LoadedDocument]| {
            d.iter()
                .map(|d| format!("{:?} {:?} {:?}", d.value, d.positions, d.start))
                .collect::<Vec<_>>()
        };
        let (fast_docs, docs) = (describe(&fast_docs), describe(&docs));
        if fast_docs != docs {
            panic!(
                "{}: the piece at line {} reads differently\nfast:   {fast_docs:?}\nsaphyr: {docs:?}\n{}",
                file.name,
                piece.first_line + 1,
                piece.text
            );
        }
    }
    (accepted, pieces.len())
}

fn manifest_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            manifest_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn read_file(path: &Path) -> Option<Arc<SourceFile>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(SourceFile::new(path.display().to_string(), text))
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's examples and check fixtures: every piece agrees, and most are read fast
#[test]
fn agrees_with_saphyr_on_the_repository_manifests() {
    let mut files = Vec::new();
    manifest_files(&repository().join("examples"), &mut files);
    manifest_files(&repository().join("crates/checks/fixtures"), &mut files);
    let (mut accepted, mut total) = (0, 0);
    for path in &files {
        let (a, t) = agrees_with_saphyr(&read_file(path).unwrap());
        accepted += a;
        total += t;
    }
    assert!(total > 100, "{total} pieces");
    // the fast reader must be the common path, not a corner case
    assert!(
        accepted * 10 >= total * 8,
        "{accepted} of {total} pieces read fast"
    );
}

/// Every YAML file of `../shared` (conformance suites and real-world corpora)
#[test]
fn agrees_with_saphyr_on_the_shared_corpora() {
    let shared = repository().join("../shared");
    if !shared.exists() {
        eprintln!("skipped: {} is absent", shared.display());
        return;
    }
    let mut files = Vec::new();
    manifest_files(&shared, &mut files);
    let (mut accepted, mut total) = (0, 0);
    for path in &files {
        if let Some(file) = read_file(path) {
            let (a, t) = agrees_with_saphyr(&file);
            accepted += a;
            total += t;
        }
    }
    eprintln!(
        "{} files: {accepted} of {total} pieces read fast",
        files.len()
    );
    assert!(
        accepted * 10 >= total * 7,
        "{accepted} of {total} pieces read fast"
    );
}

/// A manifest with every construct the fast reader takes
const BASE: &str = r#"---
# a comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "web"
  namespace: 'prod'
  labels: {app: web, tier: "front", n: 3}
  annotations:
    note: it's a plain scalar, with commas [and brackets] # and a comment
    "quoted key": 'it''s'
    escaped: "tab\there \u00e9 \x41 \"q\" \\"
    empty: ""
    tilde: ~
    number: 0x1F
    float: 1.5e3
    yes: true
    unicode: "héllo wörld"
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.25
        args: ["--port=80", --verbose, '--x']
        command:
          - sh
          - -c
          - |
            echo hello
              indented
            done

        env:
        - name: A
          value: "1"
        -   name: B
            valueFrom:
              secretKeyRef: {name: s, key: k}
        ports: []
        resources: {}
        script: |-
          line one

          line three
        description: >-
          folded into
          one line

          and a second,
            with a more indented line
          kept
        summary: >
          folded with a final break
      volumes:
      -
        name: v
        emptyDir: {}
      nested:
      - [a, [b, c], {d: e}]
      - |
        first
      - >-
        folded item
      - 'single'
      1: one
      true: yes
      null: nothing
"#;

#[test]
fn reads_every_construct_of_the_subset() {
    let file = SourceFile::new("base.yaml", BASE);
    assert_eq!(agrees_with_saphyr(&file), (1, 1));
}

/// The number of random edits (`BLOCK_FUZZ_ITERATIONS`, default 3,000) and a random number
/// source below a bound (xorshift, seeded by `BLOCK_FUZZ_SEED`): runs repeat unless told not to
fn fuzz_settings() -> (usize, impl FnMut(usize) -> usize) {
    fn setting<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok()?.parse().ok()
    }
    let iterations = setting("BLOCK_FUZZ_ITERATIONS").unwrap_or(3000);
    let mut state: u64 = setting("BLOCK_FUZZ_SEED").unwrap_or(0x2545_F491_4F6C_DD1D) | 1;
    let next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound.max(1) as u64).expect("a remainder below a usize bound")
    };
    (iterations, next)
}

/// Lines and characters that YAML reads specially, for random edits
const INSERTS: [&str; 26] = [
    "x: 1",
    "- y",
    "# c",
    "k: &a v",
    "k: *a",
    "k: 'q",
    "k: \"q",
    "'q'",
    "k: |",
    "k: >",
    "k: >-",
    "  more indented",
    "  - z",
    "k: [a,",
    "]",
    "k: {a: b",
    "? k",
    ": v",
    "k: v: w",
    "k:",
    "-",
    "k: !!str 1",
    "<<: {a: 1}",
    "k: |+",
    "k: |2",
    "...",
];
const CHARS: [char; 22] = [
    '"', '\'', '#', ':', ' ', '-', '[', ']', '{', '}', ',', '|', '>', '&', '*', '!', '\\', '?',
    '%', '@', 'é', '~',
];

/// Random line and character edits of `BASE` and of the repository's examples: whatever the
/// fast reader accepts, saphyr reads the same, without a diagnostic
#[test]
fn agrees_with_saphyr_on_random_edits() {
    let (iterations, mut next) = fuzz_settings();
    let mut bases = vec![BASE.to_owned()];
    let mut files = Vec::new();
    manifest_files(&repository().join("examples"), &mut files);
    bases.extend(files.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
    let (mut accepted, mut total) = (0, 0);
    for iteration in 0..iterations {
        let mut lines: Vec<String> = bases[iteration % bases.len()]
            .lines()
            .map(str::to_owned)
            .collect();
        for _ in 0..=next(3) {
            let at = next(lines.len());
            match next(4) {
                0 => {
                    let text = INSERTS[next(INSERTS.len())];
                    lines.insert(at, format!("{}{text}", " ".repeat(next(9))));
                }
                1 => {
                    lines.remove(at);
                }
                2 => {
                    let line = lines[at].trim_start().to_owned();
                    lines[at] = format!("{}{line}", " ".repeat(next(9)));
                }
                _ => {
                    let line = &mut lines[at];
                    let mut cut = next(line.len() + 1);
                    while !line.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    line.insert(cut, CHARS[next(CHARS.len())]);
                }
            }
        }
        let file = SourceFile::new(format!("edit-{iteration}.yaml"), lines.join("\n") + "\n");
        let (a, t) = agrees_with_saphyr(&file);
        accepted += a;
        total += t;
    }
    eprintln!("{iterations} edits: {accepted} of {total} pieces read fast");
}

/// Every document of the repository's manifests written as JSON three ways (kubectl's
/// four-space indentation, two spaces, minified): the JSON reader takes all of them and reads
/// them as saphyr does
#[test]
fn json_renderings_agree_with_saphyr() {
    let mut texts = json_renderings();
    assert!(texts.len() > 300, "{} renderings", texts.len());
    let mut accepted = 0;
    for (i, text) in texts.drain(..).enumerate() {
        let (a, t) = agrees_with_saphyr(&SourceFile::new(format!("render-{i}.json"), text));
        assert_eq!(t, 1);
        accepted += a;
    }
    assert!(accepted > 300, "{accepted} JSON documents read fast");
}

fn json_renderings() -> Vec<String> {
    use serde::Serialize;
    let mut files = Vec::new();
    manifest_files(&repository().join("examples"), &mut files);
    manifest_files(&repository().join("crates/checks/fixtures"), &mut files);
    let mut texts = vec![];
    for path in &files {
        let file = read_file(path).unwrap();
        for doc in crate::load_str(&file, &LoadLimits::default()).0 {
            let mut kubectl = Vec::new();
            let indent = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            doc.value
                .serialize(&mut serde_json::Serializer::with_formatter(
                    &mut kubectl,
                    indent,
                ))
                .unwrap();
            texts.push(String::from_utf8(kubectl).unwrap());
            texts.push(serde_json::to_string_pretty(&doc.value).unwrap());
            texts.push(serde_json::to_string(&doc.value).unwrap());
        }
    }
    texts
}

/// Random line and character edits of JSON documents: whatever the JSON reader accepts, saphyr
/// reads the same, without a diagnostic
#[test]
fn json_agrees_with_saphyr_on_random_edits() {
    let (iterations, mut next) = fuzz_settings();
    let mut bases = json_renderings();
    bases.push(r#"{"a": [1, -2.5e3, 0, true, false, null, "é\u00e9\n\"\/"], "b": {}, "c": [[], {"d": "x"}]}"#.to_owned());
    const JSON_CHARS: [char; 20] = [
        '"', '\'', '#', ':', ' ', '-', '[', ']', '{', '}', ',', '\\', 'e', '.', '0', '1', '+', 'u',
        'x', '\n',
    ];
    let (mut accepted, mut total) = (0, 0);
    for iteration in 0..iterations {
        let mut text = bases[next(bases.len())].clone();
        for _ in 0..=next(2) {
            let mut cut = next(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            if next(3) == 0 && cut < text.len() {
                let mut end = cut + 1;
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(cut..end, "");
            } else {
                text.insert(cut, JSON_CHARS[next(JSON_CHARS.len())]);
            }
        }
        let (a, t) = agrees_with_saphyr(&SourceFile::new(format!("edit-{iteration}.json"), text));
        accepted += a;
        total += t;
    }
    eprintln!("{iterations} JSON edits: {accepted} of {total} pieces read fast");
}
