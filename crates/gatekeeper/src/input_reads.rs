//! Which parts of `input.review` a template's Rego can read, found in its source text, so an
//! evaluation converts only those parts of the review to regorus values: converting a whole
//! Pod cost as much as evaluating a simple template on it.
//!
//! Sound by construction: the keyword `input` is the only way Rego reaches the input document,
//! and every occurrence of the word `input` in the source — in code, comments or strings alike
//! — is taken as a reference. A reference is followed through `.name` and `["name"]` steps;
//! wherever the chain ends (an iteration `[_]`, a variable key, a bare `input.review.object`
//! passed to a function or aliased, `with … as`, `import`), everything below that point is
//! kept. Reading too much costs only time; nothing a template can reach is left out.

use serde_json::Value;

/// A tree of member paths: a node either keeps its whole value or only the listed members
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Reads {
    whole: bool,
    members: Vec<(String, Reads)>,
}

impl Reads {
    /// The `input` paths read by these Rego sources
    pub(crate) fn of_sources<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut root = Reads::default();
        for source in sources {
            for chain in input_chains(source) {
                root.add(&chain);
            }
        }
        root
    }

    /// Everything
    pub(crate) fn whole() -> Self {
        Reads {
            whole: true,
            members: Vec::new(),
        }
    }

    /// What of `input.review` is read: `None` when all of it may be (the caller converts the
    /// whole review, shared by every template)
    pub(crate) fn review(&self) -> Option<&Reads> {
        static NOTHING: Reads = Reads {
            whole: false,
            members: Vec::new(),
        };
        if self.whole {
            return None;
        }
        match self.member("review") {
            Some(review) if review.whole => None,
            Some(review) => Some(review),
            None => Some(&NOTHING),
        }
    }

    fn member(&self, name: &str) -> Option<&Reads> {
        self.members
            .iter()
            .find_map(|(k, r)| (k == name).then_some(r))
    }

    fn add(&mut self, chain: &[String]) {
        let mut node = self;
        for step in chain {
            if node.whole {
                return;
            }
            let at = match node.members.iter().position(|(k, _)| k == step) {
                Some(i) => i,
                None => {
                    node.members.push((step.clone(), Reads::default()));
                    node.members.len() - 1
                }
            };
            node = match node.members.get_mut(at) {
                Some((_, next)) => next,
                None => return,
            };
        }
        node.whole = true;
        node.members.clear();
    }

    /// `value` as a regorus value holding only what these reads reach. A value that is not an
    /// object is converted whole: a member step on it reads nothing either way.
    pub(crate) fn project(&self, value: &Value) -> regorus::Value {
        match value {
            Value::Object(_) if !self.whole => {
                self.project_members(|key| palisade_model::field(value, key))
            }
            _ => crate::rego::to_rego(value),
        }
    }

    /// An object whose members are looked up by `member`, as a regorus value holding only
    /// what these reads reach (they must not read it whole)
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

/// Every reference to `input` in `source`, as the member steps that follow it
fn input_chains(source: &str) -> Vec<Vec<String>> {
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut chains = Vec::new();
    let mut from = 0;
    while let Some(found) = source.get(from..).and_then(|rest| rest.find("input")) {
        let start = from + found;
        let end = start + "input".len();
        from = end;
        let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
        // `x.input` is a member named `input`, `my_input` another name
        if before.is_some_and(|b| is_ident(b) || b == b'.') {
            continue;
        }
        if bytes.get(end).is_some_and(|&b| is_ident(b)) {
            continue;
        }
        chains.push(steps(source, end));
    }
    chains
}

/// The `.name` and `["name"]` steps of a reference from byte `at`
fn steps(source: &str, mut at: usize) -> Vec<String> {
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
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
                    Some(name) => out.push(name.to_owned()),
                    None => return out,
                }
                at = name_end;
            }
            Some(b'[') if bytes.get(at + 1) == Some(&b'"') => {
                // a plain string key; anything with escapes ends the chain (kept whole)
                let Some(close) = source.get(at + 2..).and_then(|rest| rest.find('"')) else {
                    return out;
                };
                let key_end = at + 2 + close;
                match source.get(at + 2..key_end) {
                    Some(key) if !key.contains('\\') && bytes.get(key_end + 1) == Some(&b']') => {
                        out.push(key.to_owned());
                    }
                    _ => return out,
                }
                at = key_end + 2;
            }
            _ => return out,
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
                "/object/metadata/labels".to_owned(),
                "/object/spec/containers".to_owned(),
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
            "input.review.object[k]",
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
