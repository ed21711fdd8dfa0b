//! Loader behaviour on good, bad and hostile input.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_source::{
    Diagnostic, JsonPointer, LoadLimits, LoadedDocument, Position, SourceFile, load_bytes,
    load_document, load_str, split_documents, split_list_items,
};
use serde_json::{Value, json};

fn load(text: &str) -> (Vec<LoadedDocument>, Vec<Diagnostic>) {
    load_str(&SourceFile::new("t.yaml", text), &LoadLimits::default())
}

fn at(doc: &LoadedDocument, pointer: &str) -> (u32, u32) {
    let (p, exact) = doc
        .positions
        .locate(&doc.value, &JsonPointer::parse(pointer));
    assert!(exact, "{pointer} not found");
    (p.line, p.column)
}

fn count(v: &Value) -> usize {
    match v {
        Value::Object(m) => 1 + m.values().map(count).sum::<usize>(),
        Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
        _ => 1,
    }
}

/// Every document's position list has one entry per node, or pointers would drift
fn assert_aligned(docs: &[LoadedDocument]) {
    for d in docs {
        // `subtree` of the root takes exactly as many positions as the value has nodes
        let sub = d.positions.subtree(&d.value, &JsonPointer::root()).unwrap();
        assert_eq!(
            sub,
            d.positions,
            "positions must cover exactly {} nodes",
            count(&d.value)
        );
    }
}

#[test]
fn scalars_follow_yaml_1_2_core_schema() {
    let (docs, diags) = load(
        "a: 1\nb: -2\nc: 1.5\nd: 1e3\ne: true\nf: yes\ng: ~\nh: '1'\ni: 0x1F\nj: 0o17\nk: .inf\nl: 007\nm: !!str 5\nn: \"true\"\n",
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        docs[0].value,
        json!({"a": 1, "b": -2, "c": 1.5, "d": 1000.0, "e": true, "f": "yes", "g": null, "h": "1",
               "i": 31, "j": 15, "k": ".inf", "l": 7, "m": "5", "n": "true"})
    );
}

#[test]
fn positions_point_at_keys_and_items() {
    let (docs, _) = load(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    securityContext: {privileged: true}\n",
    );
    let d = &docs[0];
    assert_eq!(at(d, "/spec/containers/0/image"), (6, 5));
    assert_eq!(at(d, "/spec/containers/1"), (7, 5));
    assert_eq!(
        at(d, "/spec/containers/1/securityContext/privileged"),
        (8, 23)
    );
    let (missing, exact) = d.positions.locate(
        &d.value,
        &JsonPointer::parse("/spec/containers/0/resources/limits"),
    );
    assert!(!exact);
    assert_eq!(missing, Position { line: 5, column: 5 });
    assert_aligned(&docs);
}

#[test]
fn a_broken_document_does_not_hide_the_next() {
    let (docs, diags) = load("a: 1\n---\nb: [1, 2\nc: }\n---\nd: 4\n");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].value, json!({"d": 4}));
    assert_eq!(at(&docs[1], "/d"), (6, 1));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "yaml-syntax");
    assert!(diags[0].position.unwrap().line >= 3);
}

#[test]
fn under_indented_quoted_scalar_continuations_are_read_as_go_yaml_reads_them() {
    // continuation lines at (or left of) the key's column: libyaml and go-yaml accept them
    let (docs, diags) = load(
        "a:\n  b:\n    c: \"x \\\" {}\n    y\"\n    d: 'p ''q''\n  r'\n    é: \"s\n\n t\"\n    e: 1\n---\nf: \"u\nv\"\ng: 2\n",
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        docs[0].value,
        json!({"a": {"b": {"c": "x \" {} y", "d": "p 'q' r", "é": "s\nt", "e": 1}}})
    );
    assert_eq!(docs[1].value, json!({"f": "u v", "g": 2}));
    // positions are unchanged: lines are kept, only continuation lines move
    assert_eq!(at(&docs[0], "/a/b/e"), (10, 5));
    assert_eq!(at(&docs[1], "/g"), (14, 1));
    assert_aligned(&docs);
    // other errors inside quoted scalars are still errors
    let (_, diags) = load("a: \"open\n");
    assert_eq!(diags[0].code, "yaml-syntax");
    let (_, diags) = load("a: \"x\n---\ny\"\n");
    assert_eq!(diags[0].code, "yaml-syntax");
}

#[test]
fn duplicate_keys_are_reported_and_the_first_value_kept() {
    let (docs, diags) = load("a: 1\nb:\n  x: [1, 2]\nb: {y: 2}\nc: 3\n");
    assert_eq!(docs[0].value, json!({"a": 1, "b": {"x": [1, 2]}, "c": 3}));
    assert_eq!(diags[0].code, "yaml-duplicate-key");
    assert_eq!(diags[0].position.unwrap().line, 4);
    assert_eq!(at(&docs[0], "/c"), (5, 1));
    assert_aligned(&docs);
}

#[test]
fn large_mappings_keep_order_and_find_duplicates() {
    // Past a few members the loader changes how it finds duplicates: on both sides of that
    // change a duplicate is reported once, the first value wins, and order stays as written
    let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    for dup_at in [3, 16, 17, 39] {
        let mut text = String::new();
        for (i, k) in keys.iter().enumerate() {
            text.push_str(&format!("{k}: {i}\n"));
            if i == dup_at {
                text.push_str("k1: dup\n");
            }
        }
        let (docs, diags) = load(&text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "yaml-duplicate-key");
        assert_eq!(diags[0].position.unwrap().line as usize, dup_at + 2);
        let map = docs[0].value.as_object().unwrap();
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            keys.iter().collect::<Vec<_>>()
        );
        assert_eq!(map["k1"], json!(1));
        let last_line = if dup_at < 39 { 41 } else { 40 };
        assert_eq!(at(&docs[0], "/k39"), (last_line, 1));
        assert_aligned(&docs);
    }
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let (docs, diags) =
        load("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b]\nlast: 9\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        docs[0].value,
        json!({"base": {"x": 1, "y": 2}, "use": {"y": 3, "x": 1}, "list": [{"x": 1, "y": 2}], "last": 9})
    );
    assert_eq!(at(&docs[0], "/last"), (6, 1));
    assert_eq!(at(&docs[0], "/use/y"), (4, 3));
    assert_aligned(&docs);
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 10].join(", ");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    let (docs, diags) = load(&bomb);
    assert!(docs.is_empty());
    assert_eq!(diags[0].code, "yaml-alias-bomb");

    // Block nesting is bounded by our own depth limit (flow nesting by the parser's)
    let deep: String = (1..400)
        .map(|i| format!("{}- \n", "  ".repeat(i)))
        .collect();
    let (docs, diags) = load(&format!("a:\n{deep}"));
    assert!(docs.is_empty());
    assert_eq!(diags[0].code, "document-too-deep");
    let (docs, diags) = load(&format!("{}{}", "[".repeat(1000), "]".repeat(1000)));
    assert!(docs.is_empty());
    assert_eq!(diags[0].code, "yaml-syntax");
}

#[test]
fn binary_non_utf8_and_oversize_input() {
    let limits = LoadLimits {
        max_file_bytes: 64,
        ..LoadLimits::default()
    };
    let (_, _, d) = load_bytes("b", vec![0, 1, 2], &limits);
    assert_eq!(d[0].code, "binary-file");
    let (_, _, d) = load_bytes("u", b"a: \xff\n".to_vec(), &limits);
    assert_eq!(d[0].code, "invalid-utf8");
    assert_eq!(d[0].position, Some(Position { line: 1, column: 4 }));
    let (_, _, d) = load_bytes("big", vec![b'a'; 65], &limits);
    assert_eq!(d[0].code, "input-too-large");
}

#[test]
fn json_and_empty_input() {
    let (docs, diags) = load("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}\n");
    assert!(diags.is_empty());
    assert_eq!(at(&docs[0], "/spec/hostPID"), (3, 12));
    let (docs, diags) = load("# only a comment\n---\n");
    assert!(docs.is_empty());
    assert_eq!(diags[0].code, "empty-input");
}

/// Random damage to valid YAML never panics, and every document stays aligned
#[test]
fn mutated_input_never_panics() {
    let seed = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: \"nginx:1\"\n        args: [--x, '--y']\n        env: &e\n        - {name: A, value: |\n            multi\n            line}\n      - name: b\n        env: *e\n---\nkind: List\nitems: [1, 2]\n";
    let alphabet: &[u8] = b"-:[]{}&*!|>'\"#%@` \n\t,?abc123";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut bytes = seed.as_bytes().to_vec();
        for _ in 0..(next() % 4 + 1) {
            let i = usize::try_from(next() % bytes.len() as u64).unwrap();
            let c = alphabet[usize::try_from(next() % alphabet.len() as u64).unwrap()];
            match next() % 3 {
                0 => bytes[i] = c,
                1 => bytes.insert(i, c),
                _ => {
                    bytes.truncate(i.max(1));
                }
            }
        }
        let (_, docs, _) = load_bytes("fuzz.yaml", bytes, &LoadLimits::default());
        assert_aligned(&docs);
    }
}

/// `kubectl get … -o json` of many objects: a `List` in one document, printed with indentation
fn json_list(kind: &str, items: usize) -> String {
    let items: Vec<Value> = (0..items)
        .map(|i| {
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": format!("pod-{i}"), "namespace": "team",
                                "labels": {"app": "web", "tier": format!("t{}", i % 7)}},
                   "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0",
                                            "securityContext": {"privileged": i % 2 == 0}}]}})
        })
        .collect();
    serde_json::to_string_pretty(&json!({"apiVersion": "v1", "items": items, "kind": kind,
                                         "metadata": {"resourceVersion": ""}}))
    .unwrap()
}

/// Split `file`'s first piece, a list of `items` items, and load each item on its own: each has
/// the value and the positions it has in the list read whole, and the list's document index.
/// Returns the pieces after the list's items.
fn assert_split_like_the_whole_list<'f>(
    file: &'f std::sync::Arc<SourceFile>,
    items: usize,
) -> Vec<palisade_source::DocumentText<'f>> {
    assert!(file.text.len() > 1 << 20, "large enough to be split");
    let mut pieces = split_list_items(split_documents(file));
    assert!(pieces.len() > items, "{} pieces", pieces.len());
    let (whole, diags) = load_document(file, &split_documents(file)[0], &LoadLimits::default());
    assert!(diags.is_empty(), "{diags:?}");
    let list = &whole[0];
    for (i, piece) in pieces.iter().take(items).enumerate() {
        let (docs, diags) = load_document(file, piece, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        let [item] = docs.as_slice() else {
            panic!("item {i}: {} documents", docs.len())
        };
        let pointer = JsonPointer::root().key("items").index(i);
        assert_eq!(&item.value, &list.value["items"][i], "item {i}");
        assert_eq!(
            Some(&item.positions),
            list.positions.subtree(&list.value, &pointer).as_ref(),
            "item {i}: every node where the list has it"
        );
        assert_eq!(
            item.start,
            list.positions.locate(&list.value, &pointer).0,
            "item {i} starts where the list has it"
        );
        assert_eq!(
            item.index, list.index,
            "items keep the list's document index"
        );
    }
    pieces.split_off(items)
}

#[test]
fn a_large_json_list_is_split_into_its_items_with_the_lines_they_have_in_the_list() {
    let text = format!(
        "{}\n---\n{}",
        json_list("List", 4000),
        json_list("PodList", 3)
    );
    let file = SourceFile::new("dump.json", text);
    // the large list's 4,000 items, then the small list whole
    let rest = assert_split_like_the_whole_list(&file, 4000);
    let [rest] = rest.as_slice() else {
        panic!("{} pieces after the items", rest.len())
    };
    let (rest, _) = load_document(&file, rest, &LoadLimits::default());
    assert_eq!(rest[0].value["kind"], "PodList");
}

/// `kubectl get … -o yaml` of many objects: a `List` in one document, items as `- ` entries
/// at `indent`, with what such dumps hold: block scalars, sequences under keys, comments,
/// blank lines, quoted and multi-line strings, flow collections
fn yaml_list(kind: &str, items: usize, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::from("---\napiVersion: v1\nitems:\n");
    for i in 0..items {
        let item = format!(
            "- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      note: |
        line one of pod {i}

        # not a comment: block scalar text
    labels: {{app: web, tier: t{tier}}}
    name: pod-{i}
    namespace: team
  spec:
    containers:
    - args: [\"--port\", \"80\"]
      command:
      - /bin/app
      image: 'registry.example/app:1.0'
      name: app
      securityContext:
        privileged: {privileged}
    # a comment inside the item
    description: a plain scalar
      folded over two lines

",
            tier = i % 7,
            privileged = i % 2 == 0,
        );
        for line in item.lines() {
            if !line.is_empty() {
                out.push_str(&pad);
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "kind: {kind}\nmetadata:\n  resourceVersion: \"\"\n"
    ));
    out
}

#[test]
fn a_large_yaml_list_is_split_into_its_items_with_the_lines_they_have_in_the_list() {
    for indent in [0, 2] {
        let text = yaml_list("List", 3000, indent) + &yaml_list("List", 3, 0);
        let file = SourceFile::new("dump.yaml", text);
        let rest = assert_split_like_the_whole_list(&file, 3000);
        assert_eq!(rest.len(), 1, "the small list is read whole");
        // every reader of files gets the items
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 3001);
        assert_eq!(docs[2999].value["metadata"]["name"], "pod-2999");
    }
}

#[test]
fn a_yaml_list_is_read_whole_unless_its_items_can_be_split_with_certainty() {
    let pieces = |text: String| {
        let file = SourceFile::new("x.yaml", text);
        split_list_items(split_documents(&file)).len()
    };
    let list = yaml_list("List", 3000, 0);
    assert_eq!(pieces(list.clone()), 3000);
    assert_eq!(pieces(yaml_list("PodList", 3000, 2)), 3000);
    // not a list, small, or a key that is not a List's
    assert_eq!(pieces(yaml_list("Deployment", 3000, 0)), 1);
    assert_eq!(pieces(yaml_list("List", 10, 0)), 1);
    assert_eq!(
        pieces(list.replace("kind: List\n", "kind: List\nspec: {}\n")),
        1
    );
    // an anchor one item defines could be used by another
    let anchored = list.replacen("name: pod-1\n", "name: &first pod-1\n", 1);
    assert_eq!(pieces(anchored), 1);
    // a line less indented than the entries: an under-indented quoted scalar (read whole, the
    // loader relaxes it)
    let under = list.replacen(
        "note: |",
        "quote: \"wrapped\nback to column 0\"\n      note: |",
        1,
    );
    assert_eq!(pieces(under.clone()), 1);
    let (docs, diags) = load(&under);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(docs[0].value["items"].as_array().unwrap().len(), 3000);
    // a tag directive can name handles the items use
    assert_eq!(pieces(format!("%TAG !k! tag:k8s.io,2024:\n{list}")), 1);
}

#[test]
fn only_large_pretty_printed_json_lists_are_split() {
    let pieces = |text: String| {
        let file = SourceFile::new("x.json", text);
        split_list_items(split_documents(&file)).len()
    };
    // not a list
    assert_eq!(pieces(json_list("Deployment", 4000)), 1);
    // minified: items share their first line with other text
    let minified: Value = serde_json::from_str(&json_list("List", 4000)).unwrap();
    assert_eq!(pieces(minified.to_string()), 1);
    // not JSON (the loader reports it)
    assert_eq!(pieces(json_list("List", 4000).replacen('{', "{,", 2)), 1);
    // small
    assert_eq!(pieces(json_list("List", 10)), 1);
}

/// Random line edits of a YAML dump (lines inserted at random indentation with YAML's
/// indicators, lines dropped, indentation changed): whenever the list reads whole without a
/// diagnostic and is split, the split items are exactly the list's items
#[test]
fn a_split_yaml_list_always_has_the_items_of_the_list_read_whole() {
    let iterations: usize = std::env::var("SPLIT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    // entries at column 0 (as kubectl writes them) and indented
    let bases: Vec<Vec<String>> = [0, 2]
        .map(|indent| {
            yaml_list("List", 2500, indent)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .into();
    let inserts = [
        "x: 1",
        "- y",
        "# c",
        "k: &a v",
        "k: *a",
        "k: 'q",
        "k: \"q",
        "'q'",
        "k: |",
        "  - z",
        "items:",
        "kind: List",
        "---",
        "...",
        "%TAG ! x:",
        "- - a",
        "-",
        "  ? k",
        "k: [a,",
        "]",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut split, mut whole) = (0, 0);
    for iteration in 0..iterations {
        let mut lines = bases[iteration % 2].clone();
        for _ in 0..(next() % 2 + 1) {
            let at = usize::try_from(next() % lines.len() as u64).unwrap();
            match next() % 3 {
                0 => {
                    let indent = " ".repeat(usize::try_from(next() % 7).unwrap());
                    let text = inserts[usize::try_from(next() % inserts.len() as u64).unwrap()];
                    lines.insert(at, format!("{indent}{text}"));
                }
                1 => {
                    lines.remove(at);
                }
                _ => {
                    let line = lines[at].trim_start().to_owned();
                    let indent = " ".repeat(usize::try_from(next() % 7).unwrap());
                    lines[at] = format!("{indent}{line}");
                }
            }
        }
        let file = SourceFile::new("fuzz.yaml", lines.join("\n") + "\n");
        let pieces = split_documents(&file);
        let limits = LoadLimits::default();
        let (docs, diags) = load_document(&file, &pieces[0], &limits);
        let Some(items) = docs
            .first()
            .filter(|_| diags.is_empty() && docs.len() == 1)
            .and_then(|d| d.value.get("items"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let parts = split_list_items(vec![pieces[0]]);
        if parts.len() == 1 {
            whole += 1;
            continue;
        }
        split += 1;
        let loaded: Vec<Value> = parts
            .iter()
            .flat_map(|p| load_document(&file, p, &limits).0)
            .map(|d| d.value)
            .collect();
        assert_eq!(&loaded, items, "split items differ from the list's");
    }
    eprintln!("{split} edited lists split, {whole} read whole");
    assert!(
        split > 0,
        "no edit kept a splittable list ({whole} read whole)"
    );
}
