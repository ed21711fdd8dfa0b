//! Which parts of `input.review` a template's Rego can read, found in its source text, so an
//! evaluation converts only those parts of the review to regorus values: converting a whole
//! Pod cost as much as evaluating a simple template on it.
//!
//! Sound by construction: the keyword `input` is the only way Rego reaches the input document,
//! and every occurrence of the word `input` in the source — in code, comments or strings alike
//! — is taken as a reference. A reference is followed through `.name`, `["name"]` and
//! iteration (`[_]`, `[var]`, `[0]`: every element or member) steps; wherever the chain ends
//! (a computed key, a bare `input.review.object` passed to a function, `with … as`,
//! `import`), everything below that point is kept, except for `object.get(<reference>, "key",
//! default)`, which reads the one member. Reading too much costs only time; nothing a
//! template can reach is left out.
//!
//! One form of aliasing is followed: a statement `x := <reference>` inside a body (brace depth
//! above zero, so `x` is a new local variable, not a rule) with nothing after the reference.
//! Then every occurrence of the word `x` anywhere in the source is taken as a use of the
//! reference, and what follows it as further steps: `c := input.review.object.spec.containers[_]`
//! with `c.name` and `c.resources.limits.memory` reads those two members of each container.
//! A bare `x` (passed to a function, compared, in a string or comment) keeps all of it, as a
//! bare reference does; an `x := …` that is a rule, `=` (which may compare with a rule of that
//! name) and anything else are plain references.

use serde_json::Value;

/// A tree of member paths: a node either keeps its whole value, or only the listed members,
/// or (`each`) every member or element through the same reads
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Reads {
    whole: bool,
    members: Vec<(String, Reads)>,
    /// Reads of every element of an array and every member of an object. When set, `members`
    /// is empty: a named member is one of every member.
    each: Option<Box<Reads>>,
}

/// One step of a reference
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Member(String),
    Each,
}

/// Aliases followed per source before giving up and keeping the whole input: each one is a
/// name-and-reference pair, and a chain of them (`a := input.x`, `b := a.y`, …) cannot loop
/// forever
const MAX_ALIASES: usize = 256;

impl Reads {
    /// The `input` paths read by these Rego sources
    pub(crate) fn of_sources<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut root = Reads::default();
        for source in sources {
            match source_reads(source) {
                Some(reads) => {
                    for (chain, whole) in reads {
                        root.add(&chain, whole);
                    }
                }
                None => return Reads::whole(),
            }
        }
        root
    }

    /// Everything
    pub(crate) fn whole() -> Self {
        Reads {
            whole: true,
            ..Reads::default()
        }
    }

    /// What of `input.review` is read: `None` when all of it may be (the caller converts the
    /// whole review, shared by every template)
    pub(crate) fn review(&self) -> Option<&Reads> {
        static NOTHING: Reads = Reads {
            whole: false,
            members: Vec::new(),
            each: None,
        };
        if self.whole || self.each.is_some() {
            return None;
        }
        match self.member("review") {
            Some(review) if review.whole || review.each.is_some() => None,
            Some(review) => Some(review),
            None => Some(&NOTHING),
        }
    }

    fn member(&self, name: &str) -> Option<&Reads> {
        self.members
            .iter()
            .find_map(|(k, r)| (k == name).then_some(r))
    }

    /// Read `chain` (and, when `whole`, everything below it)
    fn add(&mut self, chain: &[Step], whole: bool) {
        let mut node = self;
        for step in chain {
            if node.whole {
                return;
            }
            node = match step {
                Step::Member(name) if node.each.is_none() => node.member_mut(name),
                Step::Member(_) | Step::Each => node.each_mut(),
            };
        }
        if whole {
            *node = Reads::whole();
        }
    }

    fn member_mut(&mut self, name: &str) -> &mut Reads {
        let at = match self.members.iter().position(|(k, _)| k == name) {
            Some(i) => i,
            None => {
                self.members.push((name.to_owned(), Reads::default()));
                self.members.len() - 1
            }
        };
        &mut self.members[at].1
    }

    /// The reads of every member: the named members read so far move into it
    fn each_mut(&mut self) -> &mut Reads {
        let named = std::mem::take(&mut self.members);
        self.each.get_or_insert_with(|| {
            let mut each = Reads::default();
            for (_, reads) in named {
                each.merge(reads);
            }
            Box::new(each)
        })
    }

    /// Read also what `other` reads
    fn merge(&mut self, other: Reads) {
        if self.whole {
            return;
        }
        if other.whole {
            *self = Reads::whole();
            return;
        }
        if let Some(each) = other.each {
            self.each_mut().merge(*each);
        }
        for (name, reads) in other.members {
            match &mut self.each {
                Some(each) => each.merge(reads),
                None => self.member_mut(&name).merge(reads),
            }
        }
    }

    /// `value` as a regorus value holding only what these reads reach. A scalar, or an array
    /// read only by member steps (which read nothing there), is converted whole.
    pub(crate) fn project(&self, value: &Value) -> regorus::Value {
        if self.whole {
            return crate::rego::to_rego(value);
        }
        match (value, self.each.as_deref()) {
            (Value::Object(map), Some(each)) => regorus::Value::from(
                map.iter()
                    .map(|(k, v)| (regorus::Value::from(k.as_str()), each.project(v)))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            ),
            (Value::Object(_), None) => {
                self.project_members(|key| palisade_model::field(value, key))
            }
            (Value::Array(items), Some(each)) => {
                regorus::Value::from(items.iter().map(|v| each.project(v)).collect::<Vec<_>>())
            }
            _ => crate::rego::to_rego(value),
        }
    }

    /// An object whose members are looked up by `member`, as a regorus value holding only
    /// what these reads reach (they must name its members: not whole, no `each`)
    pub(crate) fn project_members<'v>(
        &self,
        member: impl Fn(&str) -> Option<&'v Value>,
    ) -> regorus::Value {
        regorus::Value::from(
            self.members
                .iter()
                .filter_map(|(k, reads)| {
                    let v = member(k)?;
                    Some((regorus::Value::from(k.as_str()), reads.project(v)))
                })
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
    }
}

/// Every read of `input` in `source`: the steps, and whether everything below them is read.
/// `None` when there are too many aliases to follow.
fn source_reads(source: &str) -> Option<Vec<(Vec<Step>, bool)>> {
    let mut found = Found {
        source,
        depth: brace_depths(source),
        reads: Vec::new(),
        aliases: Vec::new(),
        definitions: Vec::new(),
    };
    for start in words(source, "input") {
        let (chain, end) = steps(source, start + "input".len());
        found.record(chain, start, end);
    }
    let mut next = 0;
    while let Some((name, chain)) = found.aliases.get(next).cloned() {
        next += 1;
        if found.aliases.len() > MAX_ALIASES {
            return None;
        }
        for at in words(source, name) {
            if found.definitions.contains(&at) {
                continue;
            }
            let (more, end) = steps(source, at + name.len());
            let mut read = chain.clone();
            read.extend(more);
            found.record(read, at, end);
        }
    }
    Some(found.reads)
}

/// The reads and aliases of one source found so far
struct Found<'s> {
    source: &'s str,
    depth: Vec<u32>,
    reads: Vec<(Vec<Step>, bool)>,
    /// (name, the reference it stands for)
    aliases: Vec<(&'s str, Vec<Step>)>,
    /// where each alias's name is written in its own definition (not a use)
    definitions: Vec<usize>,
}

impl<'s> Found<'s> {
    /// The reference `chain`, written from byte `start` to `end`: an alias's definition, the
    /// object of an `object.get` by a plain key, or read whole
    fn record(&mut self, mut chain: Vec<Step>, start: usize, end: usize) {
        if let Some((name, at)) = alias_definition(self.source, &self.depth, start, end) {
            self.aliases.push((name, chain.clone()));
            self.definitions.push(at);
            // the reference is still evaluated: iterated, and undefined when absent
            self.reads.push((chain, false));
            return;
        }
        if let Some(key) = object_get_key(self.source, start, end) {
            chain.push(Step::Member(key.to_owned()));
        }
        self.reads.push((chain, true));
    }
}

/// If the reference from `start` to `end` is the object of `object.get(<reference>, "key",
/// default)` with a plain string key, the key: the call reads that member and nothing else
fn object_get_key(source: &str, start: usize, end: usize) -> Option<&str> {
    const CALL: &str = "object.get(";
    let before = source.get(..start)?.trim_end();
    let call_start = before.strip_suffix(CALL).map(str::len)?;
    // `object.get` itself, not a longer name ending in it
    if before
        .get(..call_start)?
        .bytes()
        .next_back()
        .is_some_and(|b| is_ident(b) || b == b'.')
    {
        return None;
    }
    let rest = source.get(end..)?.trim_start().strip_prefix(',')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let (key, after) = rest.split_once('"')?;
    let plain = !key.contains('\\') && after.trim_start().starts_with(',');
    plain.then_some(key)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where the word `word` starts in `source`: not part of a longer name, not a member (`x.word`)
fn words<'s>(source: &'s str, word: &'s str) -> impl Iterator<Item = usize> + 's {
    let bytes = source.as_bytes();
    source
        .match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| {
            let before = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
            !before.is_some_and(|b| is_ident(b) || b == b'.')
                && !bytes.get(at + word.len()).is_some_and(|&b| is_ident(b))
        })
}

/// If the reference from `start` to `end` is the whole right side of `name := <reference>`
/// inside a body, the name and where it is written
fn alias_definition<'s>(
    source: &'s str,
    depth: &[u32],
    start: usize,
    end: usize,
) -> Option<(&'s str, usize)> {
    let bytes = source.as_bytes();
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    // nothing but a statement's end after the reference
    let after = bytes.get(end..)?.iter().find(|b| !is_space(b));
    if !matches!(after, None | Some(b'\n' | b'\r' | b';' | b'}' | b'#')) {
        return None;
    }
    let before = bytes.get(..start)?;
    let op_end = before.iter().rposition(|b| !is_space(b))? + 1;
    if !before.get(..op_end)?.ends_with(b":=") {
        return None;
    }
    let name_end = before
        .get(..op_end - 2)?
        .iter()
        .rposition(|b| !is_space(b))?
        + 1;
    let name_start = before
        .get(..name_end)?
        .iter()
        .rposition(|&b| !is_ident(b))
        .map_or(0, |i| i + 1);
    let name = source.get(name_start..name_end)?;
    // a statement of its own: after a line, `;`, `{` or a comprehension's `|`
    let statement_start = before
        .get(..name_start)?
        .iter()
        .rposition(|b| !is_space(b))
        .and_then(|i| bytes.get(i));
    let starts_statement = matches!(statement_start, None | Some(b'\n' | b';' | b'{' | b'|'));
    let local = depth.get(name_start).is_some_and(|&d| d > 0);
    let named = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name != "_";
    (starts_statement && local && named).then_some((name, name_start))
}

/// The brace depth at every byte of `source`, braces in strings and comments not counted
fn brace_depths(source: &str) -> Vec<u32> {
    let mut depths = Vec::with_capacity(source.len());
    let mut depth: u32 = 0;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    let mut comment = false;
    for &b in source.as_bytes() {
        depths.push(depth);
        if comment {
            comment = b != b'\n';
        } else if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' && q == b'"' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
        } else {
            match b {
                b'"' | b'`' => quote = Some(b),
                b'#' => comment = true,
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    depths
}

/// The `.name`, `["name"]` and iteration steps of a reference from byte `at`, and the byte
/// after the last one
fn steps(source: &str, mut at: usize) -> (Vec<Step>, usize) {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    loop {
        match bytes.get(at) {
            Some(b'.')
                if bytes
                    .get(at + 1)
                    .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_') =>
            {
                let name_end = (at + 1..=bytes.len())
                    .find(|&i| !bytes.get(i).is_some_and(|&b| is_ident(b)))
                    .unwrap_or(bytes.len());
                match source.get(at + 1..name_end) {
                    Some(name) => out.push(Step::Member(name.to_owned())),
                    None => return (out, at),
                }
                at = name_end;
            }
            Some(b'[') if bytes.get(at + 1) == Some(&b'"') => {
                // a plain string key; anything with escapes ends the chain (kept whole)
                let Some(close) = source.get(at + 2..).and_then(|rest| rest.find('"')) else {
                    return (out, at);
                };
                let key_end = at + 2 + close;
                match source.get(at + 2..key_end) {
                    Some(key) if !key.contains('\\') && bytes.get(key_end + 1) == Some(&b']') => {
                        out.push(Step::Member(key.to_owned()));
                    }
                    _ => return (out, at),
                }
                at = key_end + 2;
            }
            Some(b'[') => {
                // `[_]`, `[var]`, `[0]`: some element or member (any, for what is read)
                let inner_end = (at + 1..=bytes.len())
                    .find(|&i| !bytes.get(i).is_some_and(|&b| is_ident(b)))
                    .unwrap_or(bytes.len());
                if inner_end == at + 1 || bytes.get(inner_end) != Some(&b']') {
                    return (out, at);
                }
                out.push(Step::Each);
                at = inner_end + 1;
            }
            _ => return (out, at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reads(source: &str) -> Reads {
        Reads::of_sources([source])
    }

    fn paths(r: &Reads, prefix: &str, out: &mut Vec<String>) {
        if r.whole {
            out.push(prefix.to_owned());
        }
        for (k, m) in &r.members {
            paths(m, &format!("{prefix}/{k}"), out);
        }
        if let Some(each) = &r.each {
            paths(each, &format!("{prefix}/*"), out);
        }
        // read only to be there (an alias's reference, before its uses)
        if !r.whole && r.members.is_empty() && r.each.is_none() && !prefix.is_empty() {
            out.push(format!("{prefix}?"));
        }
    }

    fn review_paths(source: &str) -> Option<Vec<String>> {
        let r = reads(source);
        let review = r.review()?;
        let mut out = Vec::new();
        paths(review, "", &mut out);
        out.sort();
        Some(out)
    }

    #[test]
    fn follows_member_and_string_key_steps() {
        assert_eq!(
            review_paths(
                "provided := {l | input.review.object.metadata.labels[l]}\nrequired := input.parameters.labels\nk := input.review.kind.kind\nc := input[\"review\"][\"object\"].spec.containers[_]"
            ),
            Some(vec![
                "/kind/kind".to_owned(),
                "/object/metadata/labels/*".to_owned(),
                "/object/spec/containers/*".to_owned(),
            ])
        );
    }

    #[test]
    fn a_chain_that_ends_early_keeps_everything_below() {
        // aliasing, function arguments, `with`, imports: the whole object
        for source in [
            "obj := input.review.object\nobj.spec.x",
            "f(input.review.object)",
            "x with input.review.object as {}",
            "import input.review.object as o",
            "input.review.object[count(x)]",
            "input.review.object . spec",
        ] {
            assert_eq!(
                review_paths(source),
                Some(vec!["/object".to_owned()]),
                "{source}"
            );
        }
        // and the whole review when the chain stops at it or at `input`
        for source in [
            "r := input.review",
            "walk(input, x)",
            "msg := \"bad input\"",
            "# reads input",
            "input[\"rev\\\"iew\"]",
        ] {
            assert_eq!(review_paths(source), None, "{source}");
        }
    }

    #[test]
    fn iteration_reads_every_element_or_member() {
        assert_eq!(
            review_paths(
                "input.review.object.metadata.labels[k]\ninput.review.object.spec.containers[0].image\ninput.review.object.spec.containers[_].name"
            ),
            Some(vec![
                "/object/metadata/labels/*".to_owned(),
                "/object/spec/containers/*/image".to_owned(),
                "/object/spec/containers/*/name".to_owned(),
            ])
        );
        // a named member and every member: every member reads both
        assert_eq!(
            review_paths(
                "input.review.object.metadata.labels.app.x\ninput.review.object.metadata.labels[k].y"
            ),
            Some(vec![
                "/object/metadata/labels/*/x".to_owned(),
                "/object/metadata/labels/*/y".to_owned(),
            ])
        );
        // iterating the review or the input itself reads all of it
        assert_eq!(review_paths("input.review[k]"), None);
        assert_eq!(review_paths("input[k].object"), None);
    }

    #[test]
    fn a_local_alias_reads_what_its_uses_read() {
        let limits = "violation[{\"msg\": msg}] {\n  c := input.review.object.spec.containers[_]\n  not c.resources.limits.memory\n  msg := sprintf(\"container %v has no memory limit\", [c.name])\n}\n";
        assert_eq!(
            review_paths(limits),
            Some(vec![
                "/object/spec/containers/*/name".to_owned(),
                "/object/spec/containers/*/resources/limits/memory".to_owned(),
            ])
        );
        // aliases of aliases, `;`-separated statements, a comprehension's body
        assert_eq!(
            review_paths(
                "r { c := input.review.object.spec.containers[_]; s := c.securityContext\n s.privileged }\nq { x := [n | k := input.review.object.metadata; n := k.name] }"
            ),
            Some(vec![
                "/object/metadata/name".to_owned(),
                "/object/spec/containers/*/securityContext/privileged".to_owned(),
            ])
        );
        // an alias never used still iterates: its reference is kept, read for being there
        assert_eq!(
            review_paths("r { c := input.review.object.spec.volumes[_] }"),
            Some(vec!["/object/spec/volumes/*?".to_owned()])
        );
        // a bare use, one in a string or comment, keeps all the alias reads
        for body in [
            "r { c := input.review.object.spec\n f(c) }",
            "r { c := input.review.object.spec\n c.x\n msg := \"c\" }",
            "r { c := input.review.object.spec\n c.x # c\n }",
            "r { c := input.review.object.spec\n c[count(k)] }",
        ] {
            assert_eq!(
                review_paths(body),
                Some(vec!["/object/spec".to_owned()]),
                "{body}"
            );
        }
    }

    #[test]
    fn object_get_by_a_plain_key_reads_that_member() {
        // the Gatekeeper library's exempt-image helper reads only the parameters
        assert_eq!(
            review_paths(
                "is_exempt(c) { exempt := object.get(object.get(input, \"parameters\", {}), \"exemptImages\", [])\n  c.image == exempt[_] }"
            ),
            Some(vec![])
        );
        assert_eq!(
            review_paths(
                "r { l := object.get( input.review.object.metadata , \"labels\", {})\n c := input.review.object.spec.containers[_]\n object.get(c, \"image\", \"\") }"
            ),
            Some(vec![
                "/object/metadata/labels".to_owned(),
                "/object/spec/containers/*/image".to_owned(),
            ])
        );
        // a computed or path key, another function, an escaped key: all of it
        for (source, kept) in [
            ("object.get(input.review.object, k, {})", "/object"),
            (
                "object.get(input.review.object, [\"a\", \"b\"], {})",
                "/object",
            ),
            ("myobject.get(input.review.object, \"a\", {})", "/object"),
            ("x.object.get(input.review.object, \"a\", {})", "/object"),
            ("object.get(input.review.object, \"a\\\"b\", {})", "/object"),
            (
                "object.get(input.review.object.spec, \"x\")",
                "/object/spec",
            ),
        ] {
            assert_eq!(
                review_paths(source),
                Some(vec![kept.to_owned()]),
                "{source}"
            );
        }
    }

    #[test]
    fn only_body_assignments_of_a_whole_reference_are_aliases() {
        for source in [
            // a rule, which other modules reach as `data.pkg.c`
            "c := input.review.object.spec\nr { c.x }",
            // `=` may compare with a rule named `c`
            "r { c = input.review.object.spec\n c.x }",
            // the reference is part of a larger expression
            "r { c := input.review.object.spec with input as {}\n c.x }",
            "r { c := input.review.object.spec == 1\n c.x }",
            // not a statement of its own
            "r { f(c := input.review.object.spec)\n c.x }",
        ] {
            // `None`: the whole review
            let paths = review_paths(source);
            assert!(
                paths
                    .as_ref()
                    .is_none_or(|p| p.contains(&"/object/spec".to_owned())),
                "{source}: {paths:?}"
            );
        }
    }

    #[test]
    fn other_names_containing_input_are_not_references() {
        assert_eq!(
            review_paths("input_containers[c] { c := data.input.x; my_input := 1 }"),
            Some(vec![])
        );
        // a longer chain under a kept one changes nothing
        assert_eq!(
            review_paths("input.review.object\ninput.review.object.spec.x"),
            Some(vec!["/object".to_owned()])
        );
    }

    #[test]
    fn a_projection_holds_only_what_is_read_and_equals_the_full_conversion_there() {
        let review = json!({
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "object": {"metadata": {"name": "p", "labels": {"a": "1"}},
                       "spec": {"containers": [{"name": "c"}], "volumes": []}},
            "operation": "CREATE",
        });
        let r = reads(
            "input.review.object.metadata.labels[l]\ninput.review.object.spec.containers[_]\ninput.review.object.status.phase\ninput.review.kind.kind",
        );
        let projected = r.review().unwrap().project(&review);
        let expected = json!({
            "kind": {"kind": "Pod"},
            "object": {"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "c"}]}},
        });
        assert_eq!(projected, regorus::Value::from(expected));
        // elements through `each`: each container holds what its uses read
        let pod = json!({"object": {"spec": {"containers": [
            {"name": "a", "image": "x", "resources": {"limits": {"memory": "1Gi", "cpu": "1"}}},
            {"name": "b", "image": "y"},
            "not an object",
        ]}}});
        let r = reads(
            "r { c := input.review.object.spec.containers[_]\n not c.resources.limits.memory\n c.name }",
        );
        assert_eq!(
            r.review().unwrap().project(&pod),
            regorus::Value::from(json!({"object": {"spec": {"containers": [
                {"name": "a", "resources": {"limits": {"memory": "1Gi"}}},
                {"name": "b"},
                "not an object",
            ]}}}))
        );
        // a member read on a non-object converts it whole (reads nothing there either way)
        let odd = json!({"object": "text"});
        assert_eq!(
            reads("input.review.object.spec")
                .review()
                .unwrap()
                .project(&odd),
            regorus::Value::from(json!({"object": "text"}))
        );
    }
}
