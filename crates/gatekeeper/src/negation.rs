//! OPA's evaluation of negated expressions, reproduced on the source before regorus sees it.
//!
//! OPA's compiler moves the dynamic parts of every expression into separate expressions that
//! run first (stages `RewriteExprTerms` and `RewriteDynamicTerms`): nested function calls, the
//! reference operands of calls (`f(x.y)`, `a.b != c`), references inside brackets
//! (`obj[input.key]`) and comprehension operands. For a negated expression those parts end up
//! *outside* the `not`: `not f(params.ranges)` is `__local0__ = params.ranges; not
//! f(__local0__)`, so when `params.ranges` is undefined the whole expression is undefined
//! (the rule body fails) instead of true. regorus evaluates the expression as written and gets
//! `true`; Gatekeeper library templates rely on OPA's behaviour (e.g. `k8spspallowedusers`:
//! `not accept_value(rule, value, params.ranges)` with no `ranges` must not be a violation).
//!
//! This pass applies the same extraction to negated literals only (elsewhere it does not change
//! the result): `not f(a.b, g(c))` becomes `__gk0__ := g(c); __gk1__ := a.b; not f(__gk1__,
//! __gk0__)`, written on the same line so line numbers are unchanged. Equality (`=`, `==`,
//! which OPA turns into unification) keeps its reference operands in place and only extracts
//! their dynamic bracket terms. A bare name is a reference when it names a rule of the module
//! (or an import alias, `input`, `data`), and a local variable otherwise. Anything the parser
//! here does not understand (`with`, unusual syntax) is left exactly as written.

use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Str,
    Num,
    Op,
    Open,
    Close,
    Comma,
    Dot,
    Colon,
    Semi,
    Bar,
    Newline,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

fn tokenize(src: &str) -> Option<Vec<Tok>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while b.get(i).is_some_and(|x| *x != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'\n' => {
                i += 1;
                Kind::Newline
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\n') | None => return None,
                        Some(_) => i += 1,
                    }
                }
                Kind::Str
            }
            b'`' => {
                i += 1;
                while b.get(i).is_some_and(|x| *x != b'`') {
                    i += 1;
                }
                b.get(i)?;
                i += 1;
                Kind::Str
            }
            b'0'..=b'9' => {
                while b
                    .get(i)
                    .is_some_and(|x| x.is_ascii_digit() || *x == b'.' || *x == b'e' || *x == b'E')
                {
                    // `1.5`, `1e3`; `x.y` never starts with a digit
                    i += 1;
                }
                Kind::Num
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while b
                    .get(i)
                    .is_some_and(|x| x.is_ascii_alphanumeric() || *x == b'_')
                {
                    i += 1;
                }
                Kind::Ident
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b'.' => {
                i += 1;
                Kind::Dot
            }
            b';' => {
                i += 1;
                Kind::Semi
            }
            b'|' => {
                i += 1;
                Kind::Bar
            }
            b':' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Kind::Op
            }
            b':' => {
                i += 1;
                Kind::Colon
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Kind::Op
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'&' => {
                i += 1;
                Kind::Op
            }
            _ => return None,
        };
        out.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    Some(out)
}

/// A parsed term, with its byte span in the module
#[derive(Debug, Clone)]
struct Term {
    node: Node,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone)]
enum Node {
    /// A local variable (or `_`)
    Var,
    /// A string, number, boolean or null
    Scalar,
    /// `head.x[y]…`; `dynamic` are the bracket terms
    Ref { head: Box<Term>, dynamic: Vec<Term> },
    /// `f(args)` and every infix operator but equality
    Call { args: Vec<Term> },
    /// Array, set or object literal: its elements (keys and values)
    Collection { elems: Vec<Term> },
    /// Array, set or object comprehension
    Comprehension,
    /// `a = b` / `a == b`
    Equality { lhs: Box<Term>, rhs: Box<Term> },
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Tok],
    pos: usize,
    refs: &'a HashSet<String>,
}

const KEYWORDS: &[&str] = &[
    "not", "some", "every", "in", "if", "contains", "else", "with", "as", "default", "import",
    "package",
];

impl Parser<'_> {
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.pos).copied()
    }

    fn text(&self, t: Tok) -> &str {
        self.src.get(t.start..t.end).unwrap_or_default()
    }

    fn is(&self, kind: Kind, text: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == kind && self.text(t) == text)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.peek()?;
        self.pos += 1;
        Some(t)
    }

    fn expect(&mut self, kind: Kind, text: &str) -> Option<Tok> {
        if self.is(kind, text) {
            self.bump()
        } else {
            None
        }
    }

    fn expr(&mut self) -> Option<Term> {
        let lhs = self.binary(0)?;
        let Some(t) = self.peek() else {
            return Some(lhs);
        };
        let op = self.text(t).to_owned();
        let comparison = (t.kind == Kind::Op
            && matches!(op.as_str(), "=" | "==" | "!=" | "<" | "<=" | ">" | ">="))
            || (t.kind == Kind::Ident && op == "in");
        if !comparison {
            return Some(lhs);
        }
        self.bump();
        let rhs = self.binary(0)?;
        let (start, end) = (lhs.start, rhs.end);
        let node = if op == "=" || op == "==" {
            Node::Equality {
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            }
        } else {
            Node::Call {
                args: vec![lhs, rhs],
            }
        };
        Some(Term { node, start, end })
    }

    /// Infix arithmetic and set operators, lowest level first: `|`, `&`, `+ -`, `* / %`
    fn binary(&mut self, level: usize) -> Option<Term> {
        const LEVELS: &[&[&str]] = &[&["|"], &["&"], &["+", "-"], &["*", "/", "%"]];
        let Some(ops) = LEVELS.get(level) else {
            return self.term();
        };
        let mut lhs = self.binary(level + 1)?;
        while let Some(t) = self.peek() {
            let is_op = matches!(t.kind, Kind::Op | Kind::Bar) && ops.contains(&self.text(t));
            if !is_op {
                break;
            }
            self.bump();
            let rhs = self.binary(level + 1)?;
            let (start, end) = (lhs.start, rhs.end);
            lhs = Term {
                node: Node::Call {
                    args: vec![lhs, rhs],
                },
                start,
                end,
            };
        }
        Some(lhs)
    }

    fn term(&mut self) -> Option<Term> {
        let t = self.bump()?;
        let text = self.text(t).to_owned();
        let mut term = match t.kind {
            Kind::Str | Kind::Num => scalar(t),
            Kind::Op if text == "-" => {
                let n = self.bump().filter(|n| n.kind == Kind::Num)?;
                Term {
                    node: Node::Scalar,
                    start: t.start,
                    end: n.end,
                }
            }
            Kind::Ident if matches!(text.as_str(), "true" | "false" | "null") => scalar(t),
            Kind::Ident if KEYWORDS.contains(&text.as_str()) => return None,
            Kind::Ident => return self.name_term(t),
            Kind::Open => self.bracketed(t)?,
            _ => return None,
        };
        // postfix refs on literals/collections/calls: `[1, 2][i]`, `{"a": 1}.a`
        while self.is(Kind::Dot, ".") || self.is(Kind::Open, "[") {
            term = self.ref_suffix(term)?;
        }
        Some(term)
    }

    /// A term starting with a name: variable, reference or call
    fn name_term(&mut self, first: Tok) -> Option<Term> {
        let mut head_is_path = true;
        let mut end = first.end;
        let mut dynamic = Vec::new();
        loop {
            if self.is(Kind::Dot, ".") {
                self.bump();
                let field = self.bump().filter(|f| f.kind == Kind::Ident)?;
                end = field.end;
            } else if self.is(Kind::Open, "[") {
                self.bump();
                let inner = self.expr()?;
                let close = self.expect(Kind::Close, "]")?;
                end = close.end;
                head_is_path = false;
                dynamic.push(inner);
            } else if self.is(Kind::Open, "(") {
                if !head_is_path {
                    return None;
                }
                self.bump();
                let mut args = Vec::new();
                if !self.is(Kind::Close, ")") {
                    loop {
                        args.push(self.expr()?);
                        if self.expect(Kind::Comma, ",").is_none() {
                            break;
                        }
                    }
                }
                let close = self.expect(Kind::Close, ")")?;
                let mut term = Term {
                    node: Node::Call { args },
                    start: first.start,
                    end: close.end,
                };
                while self.is(Kind::Dot, ".") || self.is(Kind::Open, "[") {
                    term = self.ref_suffix(term)?;
                }
                return Some(term);
            } else {
                break;
            }
        }
        let name = self.text(first);
        let is_ref = end != first.end || self.refs.contains(name);
        let node = if is_ref {
            Node::Ref {
                head: Box::new(Term {
                    node: Node::Var,
                    start: first.start,
                    end: first.end,
                }),
                dynamic,
            }
        } else {
            Node::Var
        };
        Some(Term {
            node,
            start: first.start,
            end,
        })
    }

    /// `.field` or `[term]` after a non-name head
    fn ref_suffix(&mut self, head: Term) -> Option<Term> {
        let start = head.start;
        let (mut head, mut dynamic) = match head.node {
            Node::Ref { head, dynamic } => (head, dynamic),
            _ => (Box::new(head), Vec::new()),
        };
        let end = if self.expect(Kind::Dot, ".").is_some() {
            self.bump().filter(|f| f.kind == Kind::Ident)?.end
        } else {
            self.expect(Kind::Open, "[")?;
            dynamic.push(self.expr()?);
            self.expect(Kind::Close, "]")?.end
        };
        head = Box::new(*head);
        Some(Term {
            node: Node::Ref { head, dynamic },
            start,
            end,
        })
    }

    /// `( … )`, `[ … ]` or `{ … }` at the start of a term
    fn bracketed(&mut self, open: Tok) -> Option<Term> {
        let kind = self.text(open).to_owned();
        let close = match kind.as_str() {
            "(" => ")",
            "[" => "]",
            _ => "}",
        };
        if kind == "(" {
            let inner = self.expr()?;
            let c = self.expect(Kind::Close, ")")?;
            return Some(Term {
                start: open.start,
                end: c.end,
                ..inner
            });
        }
        if let Some(c) = self.expect(Kind::Close, close) {
            return Some(Term {
                node: Node::Collection { elems: Vec::new() },
                start: open.start,
                end: c.end,
            });
        }
        let first = self.expr()?;
        let mut elems = vec![first];
        if self.is(Kind::Colon, ":") && kind == "{" {
            self.bump();
            elems.push(self.expr()?);
        }
        if self.is(Kind::Bar, "|") {
            // a comprehension: skip its body to the matching bracket
            let mut depth = 0usize;
            while let Some(t) = self.bump() {
                match t.kind {
                    Kind::Open => depth += 1,
                    Kind::Close if depth == 0 => {
                        return Some(Term {
                            node: Node::Comprehension,
                            start: open.start,
                            end: t.end,
                        });
                    }
                    Kind::Close => depth -= 1,
                    _ => {}
                }
            }
            return None;
        }
        while self.expect(Kind::Comma, ",").is_some() {
            if self.is(Kind::Close, close) {
                break;
            }
            elems.push(self.expr()?);
            if self.is(Kind::Colon, ":") && kind == "{" {
                self.bump();
                elems.push(self.expr()?);
            }
        }
        let c = self.expect(Kind::Close, close)?;
        Some(Term {
            node: Node::Collection { elems },
            start: open.start,
            end: c.end,
        })
    }
}

fn scalar(t: Tok) -> Term {
    Term {
        node: Node::Scalar,
        start: t.start,
        end: t.end,
    }
}

/// Extracted expressions and the replacements they leave behind
struct Extractor<'a> {
    src: &'a str,
    next: &'a mut usize,
    support: Vec<String>,
    replaced: Vec<(usize, usize, String)>,
}

impl Extractor<'_> {
    /// The text of `start..end` with the replacements made so far inside it
    fn render(&self, start: usize, end: usize) -> String {
        let mut inner: Vec<&(usize, usize, String)> = self
            .replaced
            .iter()
            .filter(|(s, e, _)| *s >= start && *e <= end)
            .collect();
        inner.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
        let mut out = String::new();
        let mut at = start;
        for (s, e, name) in inner {
            if *s < at {
                continue; // inside a replacement already applied
            }
            out.push_str(self.src.get(at..*s).unwrap_or_default());
            out.push_str(name);
            at = *e;
        }
        out.push_str(self.src.get(at..end).unwrap_or_default());
        out
    }

    fn extract(&mut self, t: &Term) {
        let name = format!("__gk{}__", *self.next);
        *self.next += 1;
        let text = self.render(t.start, t.end);
        self.support.push(format!("{name} := {text}; "));
        self.replaced.push((t.start, t.end, name));
    }

    /// `RewriteExprTerms`: every nested call (innermost first); `top` is not extracted itself
    fn calls(&mut self, t: &Term, top: bool) {
        match &t.node {
            Node::Call { args } => {
                for a in args {
                    self.calls(a, false);
                }
                if !top {
                    self.extract(t);
                }
            }
            Node::Ref { head, dynamic } => {
                self.calls(head, false);
                for d in dynamic {
                    self.calls(d, false);
                }
            }
            Node::Collection { elems } => {
                for e in elems {
                    self.calls(e, false);
                }
            }
            Node::Equality { lhs, rhs } => {
                self.calls(lhs, false);
                self.calls(rhs, false);
            }
            Node::Var | Node::Scalar | Node::Comprehension => {}
        }
    }

    fn is_replaced(&self, t: &Term) -> bool {
        self.replaced
            .iter()
            .any(|(s, e, _)| *s <= t.start && t.end <= *e)
    }

    /// `rewriteDynamicsOne`: references and comprehensions become variables
    fn one(&mut self, t: &Term) {
        if self.is_replaced(t) {
            return;
        }
        match &t.node {
            Node::Ref { dynamic, .. } => {
                for d in dynamic {
                    self.one(d);
                }
                self.extract(t);
            }
            Node::Collection { elems } => {
                for e in elems {
                    self.one(e);
                }
            }
            Node::Comprehension => self.extract(t),
            _ => {}
        }
    }

    /// `rewriteDynamicsInTerm`: a reference keeps its place, its dynamic brackets move out
    fn in_term(&mut self, t: &Term) {
        if self.is_replaced(t) {
            return;
        }
        match &t.node {
            Node::Ref { dynamic, .. } => {
                for d in dynamic {
                    self.one(d);
                }
            }
            Node::Comprehension => {}
            _ => self.one(t),
        }
    }
}

/// Names that are references when used bare: rules and functions of the module, import
/// aliases, `input` and `data`
fn module_refs(src: &str, toks: &[Tok]) -> HashSet<String> {
    let mut refs: HashSet<String> = ["input", "data"].into_iter().map(str::to_owned).collect();
    let text = |t: &Tok| src.get(t.start..t.end).unwrap_or_default();
    let mut depth = 0usize;
    let mut line_start = true;
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Newline => {
                line_start = true;
                i += 1;
                continue;
            }
            Kind::Ident if depth == 0 && line_start => match text(t) {
                "import" => {
                    // `import data.a.b [as c]`: the alias, else the last segment
                    let mut last = None;
                    let mut j = i + 1;
                    while let Some(n) = toks.get(j) {
                        if n.kind == Kind::Newline {
                            break;
                        }
                        if n.kind == Kind::Ident {
                            last = Some(text(n));
                        }
                        j += 1;
                    }
                    let first = toks.get(i + 1).map(text).unwrap_or_default();
                    if let Some(alias) = last
                        && (first == "data" || first == "input")
                    {
                        refs.insert(alias.to_owned());
                    }
                }
                "package" | "else" => {}
                "default" => {
                    if let Some(n) = toks.get(i + 1).filter(|n| n.kind == Kind::Ident) {
                        refs.insert(text(n).to_owned());
                    }
                }
                name => {
                    refs.insert(name.to_owned());
                }
            },
            _ => {}
        }
        line_start = false;
        i += 1;
    }
    refs
}

/// Rewrite every negated literal the way OPA's compiler does (see the module docs)
pub fn hoist_negated_operands(src: &str) -> String {
    let Some(toks) = tokenize(src) else {
        return src.to_owned();
    };
    let refs = module_refs(src, &toks);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut next = 0usize;
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        let is_not = t.kind == Kind::Ident && src.get(t.start..t.end) == Some("not");
        if !is_not || depth == 0 {
            continue;
        }
        let starts_literal = i.checked_sub(1).and_then(|p| toks.get(p)).is_some_and(|p| {
            matches!(p.kind, Kind::Semi | Kind::Newline | Kind::Bar)
                || (p.kind == Kind::Open && src.get(p.start..p.end) == Some("{"))
        });
        if !starts_literal {
            continue;
        }
        if let Some(edit) = rewrite_literal(src, &toks, i, &refs, &mut next) {
            edits.push(edit);
        }
    }
    if edits.is_empty() {
        return src.to_owned();
    }
    let mut out = String::with_capacity(src.len() + 64 * edits.len());
    let mut at = 0;
    for (start, end, text) in edits {
        out.push_str(src.get(at..start).unwrap_or_default());
        out.push_str(&text);
        at = end;
    }
    out.push_str(src.get(at..).unwrap_or_default());
    out
}

/// The rewrite of the negated literal whose `not` is token `i`: `(start, end, new text)`
fn rewrite_literal(
    src: &str,
    toks: &[Tok],
    i: usize,
    refs: &HashSet<String>,
    next: &mut usize,
) -> Option<(usize, usize, String)> {
    let not = toks.get(i)?;
    // the expression: up to `;`, a newline or the enclosing closing bracket, at its depth
    let mut depth = 0usize;
    let mut j = i + 1;
    let mut expr_toks = Vec::new();
    while let Some(t) = toks.get(j) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => break,
            Kind::Close => depth -= 1,
            Kind::Semi | Kind::Newline if depth == 0 => break,
            // set union at the top of a negated expression: leave it alone
            Kind::Bar if depth == 0 => return None,
            Kind::Ident if depth == 0 && src.get(t.start..t.end) == Some("with") => return None,
            _ => {}
        }
        if t.kind != Kind::Newline {
            expr_toks.push(*t);
        }
        j += 1;
    }
    let last = *expr_toks.last()?;
    let mut parser = Parser {
        src,
        toks: &expr_toks,
        pos: 0,
        refs,
    };
    let expr = parser.expr()?;
    if parser.pos != expr_toks.len() {
        return None;
    }
    let mut x = Extractor {
        src,
        next,
        support: Vec::new(),
        replaced: Vec::new(),
    };
    match &expr.node {
        Node::Equality { lhs, rhs } => {
            // a call operand is extracted whole, calls nested in other operands too
            x.calls(lhs, false);
            x.calls(rhs, false);
            x.in_term(lhs);
            x.in_term(rhs);
        }
        Node::Call { args } => {
            x.calls(&expr, true);
            for a in args {
                x.one(a);
            }
        }
        _ => {
            x.calls(&expr, true);
            x.in_term(&expr);
        }
    }
    if x.support.is_empty() {
        return None;
    }
    let rendered = x.render(expr.start, last.end);
    let support = x.support.concat();
    Some((not.start, last.end, format!("{support}not {rendered}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(body: &str) -> String {
        hoist_negated_operands(body)
    }

    #[test]
    fn extracts_reference_operands_of_calls() {
        assert_eq!(
            rewrite("p {\n  not f(rule, value, params.ranges)\n}\n"),
            "p {\n  __gk0__ := params.ranges; not f(rule, value, __gk0__)\n}\n"
        );
        assert_eq!(
            rewrite("p { x := 1; not startswith(input.a[x], \"b\") }"),
            "p { x := 1; __gk0__ := input.a[x]; not startswith(__gk0__, \"b\") }"
        );
        // comparisons other than equality are calls too
        assert_eq!(
            rewrite("p {\n not input.a != 1\n}"),
            "p {\n __gk0__ := input.a; not __gk0__ != 1\n}"
        );
    }

    #[test]
    fn keeps_plain_negations() {
        for src in [
            "p {\n  not is_exempt(container)\n}\n",
            "p {\n  not input.parameters.flag\n}\n",
            "p {\n  not input.review.object.spec.x == \"a\"\n}\n",
            "p {\n  not obj[x]\n}\n",
            "p {\n  not q\n}\nq { true }\n",
            "p {\n  not f(x) with input as {}\n}\n",
            "p := \"not f(a.b)\"\n",
        ] {
            assert_eq!(rewrite(src), src, "{src}");
        }
    }

    #[test]
    fn extracts_nested_calls_and_dynamic_brackets() {
        assert_eq!(
            rewrite("p {\n not count(input.x) > 0\n}"),
            "p {\n __gk0__ := count(input.x); not __gk0__ > 0\n}"
        );
        assert_eq!(
            rewrite("p {\n not obj[input.key]\n}"),
            "p {\n __gk0__ := input.key; not obj[__gk0__]\n}"
        );
        // equality keeps its reference operands, but not nested calls
        assert_eq!(
            rewrite("p {\n not lower(input.a) == input.b\n}"),
            "p {\n __gk0__ := lower(input.a); not __gk0__ == input.b\n}"
        );
        // rule names are references; local variables are not
        assert_eq!(
            rewrite("allowed := [1]\np {\n x := 2\n not f(allowed, x)\n}"),
            "allowed := [1]\np {\n x := 2\n __gk0__ := allowed; not f(__gk0__, x)\n}"
        );
        // inside comprehension bodies too
        assert_eq!(
            rewrite("s := {c | c := input.cs[_]; not startswith(c.image, \"x\")}"),
            "s := {c | c := input.cs[_]; __gk0__ := c.image; not startswith(__gk0__, \"x\")}"
        );
    }

    #[test]
    fn matches_opa_semantics_when_evaluated() {
        let src = "package t\n\naccept(\"any\", _, _)\n\nv[\"undefined-arg\"] {\n  params := {\"rule\": \"any\"}\n  not accept(params.rule, 1, params.ranges)\n}\n\nv[\"defined-arg-fails\"] {\n  params := {\"rule\": \"some\", \"ranges\": []}\n  not accept(params.rule, 1, params.ranges)\n}\n";
        let eval = |text: &str| {
            let mut e = regorus::Engine::new();
            e.set_rego_v0(true);
            e.add_policy("t.rego".into(), text.into()).unwrap();
            e.eval_rule("data.t.v".into())
                .unwrap()
                .to_json_str()
                .unwrap()
        };
        // regorus on the original text: `not` of an undefined call is true
        assert!(eval(src).contains("undefined-arg"));
        // OPA: the undefined argument makes the body fail
        let rewritten = eval(&hoist_negated_operands(src));
        assert!(!rewritten.contains("undefined-arg"), "{rewritten}");
        assert!(rewritten.contains("defined-arg-fails"), "{rewritten}");
    }
}
