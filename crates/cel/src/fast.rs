//! A direct evaluator for the expressions most admission policies are made of.
//!
//! The `cel` crate evaluates over boxed values: every field read boxes a view of the field,
//! every `a.b.c` is resolved by trying each dotted prefix as a variable name, every comparison
//! builds its overload error before it knows whether it fails. That is ≈7k instructions for
//! `!has(object.spec.hostNetwork) || !object.spec.hostNetwork`, most of a review's CEL cost.
//! Most expressions are field reads, `has()`, `!`, `&&`, `||`, `?:`, comparisons, `in`,
//! `size()`, string tests and building (`startsWith`, `endsWith`, `contains`, `+`, `string()`,
//! `replace`, `join`, `matches` with a literal pattern, compiled once), comprehensions (`all`,
//! `exists`, `exists_one`, `map`, `filter`), optional chains (`x.?f`, `x[?k]`, `.orValue(d)`,
//! `.hasValue()`, `.value()`) and composited variables; those are compiled here once into a
//! tree read straight off the JSON documents.
//!
//! It only ever answers what the `cel` crate answers. An expression using anything else is not
//! compiled (its program keeps the general path only). At run time the tree gives up — `None`
//! — on every error (missing key, wrong type, index out of range, budget exhausted) and on every
//! value outside its few types (unsigned and floating-point numbers, maps it would have to
//! build, lists longer than `MAX_BUILT` built by `+`), and the general evaluator then runs
//! from the start and produces the value or the error in its own words. Comprehension ranges
//! are charged to the budget exactly as the general path's `@iter` charges them. Debug builds
//! run both evaluators on every expression the tree answers and assert that they agree, value
//! and cost (see `Activation`), so every test that evaluates CEL is also a differential test of
//! this module.

use crate::budget;
use crate::json::json_val;
use crate::rewrite::NAMESPACES;
use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::{CelBool, CelInt, CelList, CelNull, CelOptional, CelString};
use cel::common::value::Val;
use regex::Regex;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::rc::Rc;

/// The documents the tree can read, by slot: what `Activation::bind_json` binds under these
/// names (the names every caller binds)
const DOCUMENTS: [&str; 5] = [
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
];

/// The bound documents, by slot: unbound (`None`), bound to null (`Some(None)`) or to a
/// document; and which of them the general evaluator has not been given yet
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Documents<'d> {
    bound: [Option<Option<&'d Value>>; DOCUMENTS.len()],
    unsynced: u8,
}

impl<'d> Documents<'d> {
    /// Record `name` bound to `value`; false for a name the tree does not read
    pub(crate) fn bind(&mut self, name: &str, value: Option<&'d Value>) -> bool {
        let Some(slot) = DOCUMENTS.iter().position(|d| *d == name) else {
            return false;
        };
        if let Some(s) = self.bound.get_mut(slot) {
            *s = Some(value);
            self.unsynced |= 1 << slot;
        }
        true
    }

    /// Forget `name` (bound to something the tree cannot read)
    pub(crate) fn unbind(&mut self, name: &str) {
        if let Some(slot) = DOCUMENTS.iter().position(|d| *d == name)
            && let Some(s) = self.bound.get_mut(slot)
        {
            *s = None;
            self.unsynced &= !(1 << slot);
        }
    }

    /// Hand `add` every document bound since the last call
    pub(crate) fn sync(&mut self, mut add: impl FnMut(&'static str, Option<&'d Value>)) {
        if self.unsynced == 0 {
            return;
        }
        for (slot, (name, bound)) in DOCUMENTS.iter().zip(self.bound).enumerate() {
            if self.unsynced & (1 << slot) != 0
                && let Some(value) = bound
            {
                add(name, value);
            }
        }
        self.unsynced = 0;
    }
}

/// A value as the tree sees it: JSON scalars, lists and maps of a document, lists it built
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// An unsigned or floating-point number: read, never operated on
    Number(&'a Value),
    Str(&'a str),
    /// A string the tree built (`+`, `string()`, `replace`, `join`)
    Text(Rc<str>),
    List(List<'a>),
    Map(&'a Map<String, Value>),
    /// `optional.none()`
    NoValue,
    /// `optional.of(…)` of a document's node
    Optional(&'a Value),
}

/// The lists the tree reads
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum List<'a> {
    /// A document's list
    Json(&'a [Value]),
    /// A list literal of scalars (`['a', 'b']`)
    Literals(&'a [Literal]),
    /// A list built by `+`, `map` or `filter`
    Built(Rc<[V<'a>]>),
}

/// The longest list the tree builds by `+` (by which `map` and `filter` step); longer ones are
/// left to the general evaluator, whose `map` and `filter` append in place where `+` copies
/// (a literal `[x, y, …]` is as long as its source)
const MAX_BUILT: usize = 256;

impl<'a> List<'a> {
    fn len(&self) -> usize {
        match self {
            List::Json(items) => items.len(),
            List::Literals(literals) => literals.len(),
            List::Built(items) => items.len(),
        }
    }

    fn get(&self, i: usize) -> Option<V<'a>> {
        match self {
            List::Json(items) => items.get(i).map(V::of),
            List::Literals(literals) => literals.get(i).map(Literal::value),
            List::Built(items) => items.get(i).cloned(),
        }
    }

    /// `self + other`, built
    fn concat(&self, other: &Self) -> Option<Self> {
        let len = self.len() + other.len();
        if len > MAX_BUILT {
            return None;
        }
        let mut items = Vec::with_capacity(len);
        for list in [self, other] {
            for i in 0..list.len() {
                items.push(list.get(i)?);
            }
        }
        Some(List::Built(items.into()))
    }
}

impl<'a> V<'a> {
    fn of(v: &'a Value) -> Self {
        match v {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => n.as_i64().map_or(V::Number(v), V::Int),
            Value::String(s) => V::Str(s),
            Value::Array(items) => V::List(List::Json(items)),
            Value::Object(map) => V::Map(map),
        }
    }

    /// What selecting from it reads: an optional's value, none for an empty optional
    fn unwrapped(self) -> Option<Self> {
        match self {
            V::NoValue => None,
            V::Optional(v) => Some(V::of(v)),
            v => Some(v),
        }
    }

    /// A string's text
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Text(s) => Some(s),
            _ => None,
        }
    }

    fn is_container(&self) -> bool {
        matches!(self, V::List(_) | V::Map(_))
    }
}

#[derive(Debug, PartialEq)]
pub(crate) enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Str(Box<str>),
}

impl Literal {
    fn value(&self) -> V<'_> {
        match self {
            Literal::Null => V::Null,
            Literal::Bool(b) => V::Bool(*b),
            Literal::Int(i) => V::Int(*i),
            Literal::Str(s) => V::Str(s),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Compare {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, Copy)]
enum StringTest {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug)]
enum Node {
    Literal(Literal),
    EmptyList,
    ListLiterals(Vec<Literal>),
    /// `[x, y]` with other than literals
    ListOf(Vec<Node>),
    Document(usize),
    /// `variables.<name>`, as the activation has it
    Variable(Box<str>),
    Local(usize),
    Select(Box<Node>, Box<str>),
    /// `@has(x, 'f')`: false on anything but a map (or an optional of one)
    Has(Box<Node>, Box<str>),
    /// `x.?f`
    OptionalSelect(Box<Node>, Box<str>),
    /// `x[?k]`
    OptionalIndex(Box<[Node; 2]>),
    /// `@optPresent(x)`: the rewrite's test for `orValue`, true for a non-optional
    OptionalPresent(Box<Node>),
    /// `@optGet(x)`: the rewrite's value for `orValue`, a non-optional as it is
    OptionalGet(Box<Node>),
    /// `x.hasValue()`
    HasValue(Box<Node>),
    /// `x.value()`
    OptionalValue(Box<Node>),
    Index(Box<[Node; 2]>),
    Not(Box<Node>),
    And(Box<[Node; 2]>),
    Or(Box<[Node; 2]>),
    Conditional(Box<[Node; 3]>),
    /// `==` (`deep`: the rewrite's `@eq`), negated for `!=`
    Equal {
        operands: Box<[Node; 2]>,
        negate: bool,
        deep: bool,
    },
    Compare(Compare, Box<[Node; 2]>),
    In(Box<[Node; 2]>),
    Size(Box<Node>),
    StringTest(StringTest, Box<[Node; 2]>),
    /// `s.matches('literal')`, the expression compiled once (the `cel` crate compiles it on
    /// every call, with the same `regex` crate)
    Matches(Box<Node>, Box<Regex>),
    /// `string(x)` of a string, an int or a bool
    ToString(Box<Node>),
    /// `s.replace(from, to)`
    Replace(Box<[Node; 3]>),
    /// `list.join()`, `list.join(separator)`
    Join(Box<Node>, Option<Box<Node>>),
    Add(Box<[Node; 2]>),
    NotStrictlyFalse(Box<Node>),
    Loop(Box<Loop>),
}

/// A comprehension (what `all`, `exists`, `exists_one`, `map` and `filter` expand to, and the
/// rewrite's binding of an `orValue` receiver)
#[derive(Debug)]
struct Loop {
    /// The range, charged; none for an empty list literal
    range: Option<Node>,
    item: usize,
    accumulator: usize,
    init: Node,
    condition: Node,
    step: Node,
    result: Node,
}

/// A compiled expression
#[derive(Debug)]
pub(crate) struct FastProgram {
    root: Node,
    /// Comprehension variables
    locals: usize,
    /// Has a comprehension, so charges the budget
    charges: bool,
}

/// The tree for `expr` (as rewritten by [`crate::rewrite`]), or `None` when it uses anything
/// the tree does not cover
pub(crate) fn compile(expr: &IdedExpr) -> Option<FastProgram> {
    let mut c = Compiler::default();
    let root = c.node(expr)?;
    Some(FastProgram {
        root,
        locals: c.locals,
        charges: c.charges,
    })
}

#[derive(Default)]
struct Compiler<'e> {
    /// Comprehension variables in scope, innermost last
    scope: Vec<(&'e str, usize)>,
    locals: usize,
    charges: bool,
}

impl<'e> Compiler<'e> {
    fn node(&mut self, e: &'e IdedExpr) -> Option<Node> {
        Some(match &e.expr {
            Expr::Literal(l) => Node::Literal(literal(l)?),
            Expr::Ident(name) => self.ident(name)?,
            Expr::Select(s) if !s.test => match &s.operand.expr {
                Expr::Ident(root) if root == "variables" && !self.in_scope(root) => {
                    Node::Variable(s.field.as_str().into())
                }
                _ => Node::Select(Box::new(self.node(&s.operand)?), s.field.as_str().into()),
            },
            Expr::Call(call) => self.call(call)?,
            Expr::Comprehension(c) => self.comprehension(c)?,
            // `[]`, as in `x.?items.orValue([])`
            Expr::List(list) if list.elements.is_empty() => Node::EmptyList,
            Expr::List(list) if list.optional_indices.is_empty() => {
                let literals = list.elements.iter().map(|e| match &e.expr {
                    Expr::Literal(l) => literal(l),
                    _ => None,
                });
                match literals.collect::<Option<_>>() {
                    Some(literals) => Node::ListLiterals(literals),
                    None => Node::ListOf(
                        list.elements
                            .iter()
                            .map(|e| self.node(e))
                            .collect::<Option<_>>()?,
                    ),
                }
            }
            _ => return None,
        })
    }

    fn in_scope(&self, name: &str) -> bool {
        self.scope.iter().any(|(n, _)| *n == name)
    }

    fn ident(&self, name: &str) -> Option<Node> {
        if let Some((_, slot)) = self.scope.iter().rev().find(|(n, _)| *n == name) {
            return Some(Node::Local(*slot));
        }
        DOCUMENTS
            .iter()
            .position(|d| *d == name)
            .map(Node::Document)
    }

    fn pair(&mut self, a: &'e IdedExpr, b: &'e IdedExpr) -> Option<Box<[Node; 2]>> {
        Some(Box::new([self.node(a)?, self.node(b)?]))
    }

    fn call(&mut self, call: &'e CallExpr) -> Option<Node> {
        let name = call.func_name.as_str();
        if let Some(target) = &call.target {
            // `strings.f(x)` and its like are functions, whatever is bound
            if matches!(&target.expr, Expr::Ident(n) if NAMESPACES.contains(&n.as_str())) {
                return None;
            }
            let test = match (name, call.args.as_slice()) {
                ("size", []) => return Some(Node::Size(Box::new(self.node(target)?))),
                ("hasValue", []) => return Some(Node::HasValue(Box::new(self.node(target)?))),
                ("replace", [from, to]) => {
                    let parts = [self.node(target)?, self.node(from)?, self.node(to)?];
                    return Some(Node::Replace(Box::new(parts)));
                }
                ("join", []) => return Some(Node::Join(Box::new(self.node(target)?), None)),
                ("matches", [pattern]) => return self.matches(target, pattern),
                ("join", [separator]) => {
                    let separator = Box::new(self.node(separator)?);
                    return Some(Node::Join(Box::new(self.node(target)?), Some(separator)));
                }
                ("value", []) => return Some(Node::OptionalValue(Box::new(self.node(target)?))),
                ("startsWith", [_]) => StringTest::StartsWith,
                ("endsWith", [_]) => StringTest::EndsWith,
                ("contains", [_]) => StringTest::Contains,
                _ => return None,
            };
            let [arg] = call.args.as_slice() else {
                return None;
            };
            return Some(Node::StringTest(test, self.pair(target, arg)?));
        }
        Some(match (name, call.args.as_slice()) {
            ("_&&_", [a, b]) => Node::And(self.pair(a, b)?),
            ("_||_", [a, b]) => Node::Or(self.pair(a, b)?),
            ("!_", [a]) => Node::Not(Box::new(self.node(a)?)),
            ("_?_:_", [c, a, b]) => {
                Node::Conditional(Box::new([self.node(c)?, self.node(a)?, self.node(b)?]))
            }
            ("_==_" | "_!=_" | "@eq" | "@ne", [a, b]) => Node::Equal {
                operands: self.pair(a, b)?,
                negate: matches!(name, "_!=_" | "@ne"),
                deep: name.starts_with('@'),
            },
            ("_<_", [a, b]) => Node::Compare(Compare::Less, self.pair(a, b)?),
            ("_<=_", [a, b]) => Node::Compare(Compare::LessOrEqual, self.pair(a, b)?),
            ("_>_", [a, b]) => Node::Compare(Compare::Greater, self.pair(a, b)?),
            ("_>=_", [a, b]) => Node::Compare(Compare::GreaterOrEqual, self.pair(a, b)?),
            ("@in", [a, b]) => Node::In(self.pair(a, b)?),
            ("size", [a]) => Node::Size(Box::new(self.node(a)?)),
            ("string", [a]) => Node::ToString(Box::new(self.node(a)?)),
            ("matches", [a, pattern]) => return self.matches(a, pattern),
            ("@has", [a, field]) => match &field.expr {
                Expr::Literal(LiteralValue::String(f)) => {
                    Node::Has(Box::new(self.node(a)?), f.inner().into())
                }
                _ => return None,
            },
            ("_[_]", [a, b]) => Node::Index(self.pair(a, b)?),
            ("_[?_]", [a, b]) => Node::OptionalIndex(self.pair(a, b)?),
            ("_?._", [a, field]) => match &field.expr {
                Expr::Literal(LiteralValue::String(f)) => {
                    Node::OptionalSelect(Box::new(self.node(a)?), f.inner().into())
                }
                _ => return None,
            },
            ("@optPresent", [a]) => Node::OptionalPresent(Box::new(self.node(a)?)),
            ("@optGet", [a]) => Node::OptionalGet(Box::new(self.node(a)?)),
            ("_+_", [a, b]) => Node::Add(self.pair(a, b)?),
            ("@not_strictly_false", [a]) => Node::NotStrictlyFalse(Box::new(self.node(a)?)),
            _ => return None,
        })
    }

    /// `text.matches(pattern)` with a literal pattern that compiles (an invalid one is the
    /// general path's error to report)
    fn matches(&mut self, text: &'e IdedExpr, pattern: &'e IdedExpr) -> Option<Node> {
        let Expr::Literal(LiteralValue::String(pattern)) = &pattern.expr else {
            return None;
        };
        let regex = Regex::new(pattern.inner()).ok()?;
        Some(Node::Matches(Box::new(self.node(text)?), Box::new(regex)))
    }

    fn comprehension(&mut self, c: &'e ComprehensionExpr) -> Option<Node> {
        if c.iter_var2.is_some() {
            return None;
        }
        // the rewrite wraps every range in `@iter`, which charges its size; its own binding of
        // `orValue`'s receiver is a comprehension over an empty list, which charges nothing
        let range = match &c.iter_range.expr {
            Expr::Call(call) if call.func_name == "@iter" && call.target.is_none() => {
                match call.args.as_slice() {
                    [range] => Some(self.node(range)?),
                    _ => return None,
                }
            }
            Expr::List(list) if list.elements.is_empty() => None,
            _ => return None,
        };
        let init = self.node(&c.accu_init)?;
        let (item, accumulator) = (self.locals, self.locals + 1);
        self.locals += 2;
        self.scope.push((c.accu_var.as_str(), accumulator));
        self.scope.push((c.iter_var.as_str(), item));
        let parts = (|| {
            Some((
                self.node(&c.loop_cond)?,
                self.node(&c.loop_step)?,
                self.node(&c.result)?,
            ))
        })();
        self.scope.truncate(self.scope.len() - 2);
        let (condition, step, result) = parts?;
        self.charges |= range.is_some();
        Some(Node::Loop(Box::new(Loop {
            range,
            item,
            accumulator,
            init,
            condition,
            step,
            result,
        })))
    }
}

fn literal(l: &LiteralValue) -> Option<Literal> {
    Some(match l {
        LiteralValue::Null => Literal::Null,
        LiteralValue::Boolean(b) => Literal::Bool(*b.inner()),
        LiteralValue::Int(i) => Literal::Int(*i.inner()),
        LiteralValue::String(s) => Literal::Str(s.inner().into()),
        LiteralValue::Bytes(_) | LiteralValue::Double(_) | LiteralValue::UInt(_) => return None,
    })
}

impl FastProgram {
    /// Does evaluating it charge the cost budget (so it needs one in force)?
    pub(crate) fn charges(&self) -> bool {
        self.charges
    }

    /// Its value over `documents` and the composited variables `variable` gives (none when
    /// the direct evaluator does not have it), or `None` where the general evaluator must answer
    pub(crate) fn eval<'a>(
        &'a self,
        documents: &Documents<'a>,
        variable: &dyn Fn(&str) -> Option<V<'a>>,
    ) -> Option<V<'a>> {
        let mut run = Run {
            documents,
            variable,
            locals: vec![None; self.locals],
        };
        run.eval(&self.root)
    }
}

struct Run<'r, 'a> {
    documents: &'r Documents<'a>,
    variable: &'r dyn Fn(&str) -> Option<V<'a>>,
    locals: Vec<Option<V<'a>>>,
}

impl<'a> Run<'_, 'a> {
    fn bool(&mut self, n: &'a Node) -> Option<bool> {
        match self.eval(n)? {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn eval(&mut self, n: &'a Node) -> Option<V<'a>> {
        Some(match n {
            Node::Literal(l) => l.value(),
            Node::EmptyList => V::List(List::Json(&[])),
            Node::ListLiterals(literals) => V::List(List::Literals(literals)),
            Node::ListOf(nodes) => {
                let items = nodes
                    .iter()
                    .map(|n| self.eval(n))
                    .collect::<Option<Vec<_>>>()?;
                V::List(List::Built(items.into()))
            }
            Node::Document(slot) => match (*self.documents.bound.get(*slot)?)? {
                Some(doc) => V::of(doc),
                None => V::Null,
            },
            Node::Local(slot) => self.locals.get(*slot)?.clone()?,
            Node::Variable(name) => (self.variable)(name)?,
            Node::Select(operand, field) => match self.eval(operand)? {
                V::Map(m) => V::of(palisade_model::member(m, field)?),
                // a plain selection on an optional stays optional (a scalar inside errs)
                V::NoValue => V::NoValue,
                V::Optional(Value::Object(m)) => {
                    palisade_model::member(m, field).map_or(V::NoValue, V::Optional)
                }
                V::Optional(Value::Array(_)) => V::NoValue,
                _ => return None,
            },
            Node::Has(operand, field) => match self.eval(operand)? {
                V::Map(m) => V::Bool(palisade_model::member(m, field).is_some()),
                V::Optional(v) => V::Bool(
                    matches!(v, Value::Object(m) if palisade_model::member(m, field).is_some()),
                ),
                _ => V::Bool(false),
            },
            // an optional's value is read through; any other failure is an empty optional
            Node::OptionalSelect(operand, field) => match self.eval(operand)?.unwrapped() {
                Some(V::Map(m)) => palisade_model::member(m, field).map_or(V::NoValue, V::Optional),
                _ => V::NoValue,
            },
            Node::OptionalIndex(operands) => {
                let [container, index] = &**operands;
                let container = self.eval(container)?;
                let index = self.eval(index)?;
                match (container.unwrapped(), index) {
                    (Some(V::Map(m)), key @ (V::Str(_) | V::Text(_))) => {
                        palisade_model::member(m, key.str()?).map_or(V::NoValue, V::Optional)
                    }
                    // an unsigned index may still select
                    (Some(V::List(_)), V::Number(_)) => return None,
                    (Some(V::List(List::Json(items))), V::Int(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.get(i))
                        .map_or(V::NoValue, V::Optional),
                    // an item of a built list is not a document's node
                    (Some(V::List(_)), V::Int(_)) => return None,
                    _ => V::NoValue,
                }
            }
            Node::OptionalPresent(operand) => V::Bool(!matches!(self.eval(operand)?, V::NoValue)),
            Node::OptionalGet(operand) => match self.eval(operand)? {
                V::NoValue => return None,
                V::Optional(v) => V::of(v),
                v => v,
            },
            Node::HasValue(operand) => match self.eval(operand)? {
                V::NoValue => V::Bool(false),
                V::Optional(_) => V::Bool(true),
                _ => return None,
            },
            Node::OptionalValue(operand) => match self.eval(operand)? {
                V::Optional(v) => V::of(v),
                _ => return None,
            },
            Node::Index(operands) => {
                let [container, index] = &**operands;
                match (self.eval(container)?, self.eval(index)?) {
                    (V::Map(m), key @ (V::Str(_) | V::Text(_))) => {
                        V::of(palisade_model::member(m, key.str()?)?)
                    }
                    (V::List(list), V::Int(i)) => list.get(usize::try_from(i).ok()?)?,
                    _ => return None,
                }
            }
            Node::Not(operand) => V::Bool(!self.bool(operand)?),
            // Short-circuit as the general path does; an operand the tree cannot decide leaves
            // the whole expression to it (it may absorb an error the tree does not model)
            Node::And(operands) => {
                let [a, b] = &**operands;
                V::Bool(self.bool(a)? && self.bool(b)?)
            }
            Node::Or(operands) => {
                let [a, b] = &**operands;
                V::Bool(self.bool(a)? || self.bool(b)?)
            }
            Node::Conditional(parts) => {
                let [condition, then, otherwise] = &**parts;
                if self.bool(condition)? {
                    self.eval(then)?
                } else {
                    self.eval(otherwise)?
                }
            }
            Node::Equal {
                operands,
                negate,
                deep,
            } => {
                let [a, b] = &**operands;
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                V::Bool(equal(&a, &b, *deep)? != *negate)
            }
            Node::Compare(op, operands) => {
                let [a, b] = &**operands;
                let ordering = match (self.eval(a)?, self.eval(b)?) {
                    (V::Int(x), V::Int(y)) => x.cmp(&y),
                    (x, y) => x.str()?.cmp(y.str()?),
                };
                V::Bool(match op {
                    Compare::Less => ordering == Ordering::Less,
                    Compare::LessOrEqual => ordering != Ordering::Greater,
                    Compare::Greater => ordering == Ordering::Greater,
                    Compare::GreaterOrEqual => ordering != Ordering::Less,
                })
            }
            Node::In(operands) => {
                let [needle, haystack] = &**operands;
                let needle = self.eval(needle)?;
                match self.eval(haystack)? {
                    // a map holds string keys only: anything else is not in it
                    V::Map(m) => V::Bool(match needle.str() {
                        Some(key) => palisade_model::member(m, key).is_some(),
                        None => false,
                    }),
                    V::List(list) => {
                        let mut found = false;
                        for i in 0..list.len() {
                            found = equal(&needle, &list.get(i)?, true)?;
                            if found {
                                break;
                            }
                        }
                        V::Bool(found)
                    }
                    _ => return None,
                }
            }
            Node::Size(operand) => V::Int(match self.eval(operand)? {
                text @ (V::Str(_) | V::Text(_)) => {
                    i64::try_from(text.str()?.chars().count()).ok()?
                }
                V::List(list) => i64::try_from(list.len()).ok()?,
                V::Map(m) => i64::try_from(m.len()).ok()?,
                _ => return None,
            }),
            Node::StringTest(test, operands) => {
                let [target, arg] = &**operands;
                let (target, arg) = (self.eval(target)?, self.eval(arg)?);
                let (s, x) = (target.str()?, arg.str()?);
                V::Bool(match test {
                    StringTest::StartsWith => s.starts_with(x),
                    StringTest::EndsWith => s.ends_with(x),
                    StringTest::Contains => s.contains(x),
                })
            }
            Node::Add(operands) => {
                let [a, b] = &**operands;
                match (self.eval(a)?, self.eval(b)?) {
                    (V::Int(x), V::Int(y)) => V::Int(x.checked_add(y)?),
                    (V::List(x), V::List(y)) => V::List(x.concat(&y)?),
                    (x, y) => V::Text([x.str()?, y.str()?].concat().into()),
                }
            }
            Node::Matches(text, regex) => V::Bool(regex.is_match(self.eval(text)?.str()?)),
            Node::ToString(operand) => match self.eval(operand)? {
                text @ (V::Str(_) | V::Text(_)) => text,
                V::Int(i) => V::Text(i.to_string().into()),
                V::Bool(b) => V::Str(if b { "true" } else { "false" }),
                _ => return None,
            },
            Node::Replace(parts) => {
                let [target, from, to] = &**parts;
                let (target, from, to) = (self.eval(target)?, self.eval(from)?, self.eval(to)?);
                V::Text(target.str()?.replace(from.str()?, to.str()?).into())
            }
            Node::Join(list, separator) => {
                let V::List(list) = self.eval(list)? else {
                    return None;
                };
                let separator = match separator {
                    Some(s) => Some(self.eval(s)?),
                    None => None,
                };
                let separator = match &separator {
                    Some(s) => s.str()?,
                    None => "",
                };
                let items = (0..list.len())
                    .map(|i| list.get(i))
                    .collect::<Option<Vec<_>>>()?;
                let parts = items.iter().map(V::str).collect::<Option<Vec<_>>>()?;
                V::Text(parts.join(separator).into())
            }
            Node::NotStrictlyFalse(operand) => V::Bool(self.bool(operand)?),
            Node::Loop(l) => self.run_loop(l)?,
        })
    }

    /// One turn of a comprehension: false when its condition ends it before this item
    fn iterate(&mut self, l: &'a Loop, item: V<'a>) -> Option<bool> {
        if !self.bool(&l.condition)? {
            return Some(false);
        }
        *self.locals.get_mut(l.item)? = Some(item);
        let accumulated = self.eval(&l.step)?;
        *self.locals.get_mut(l.accumulator)? = Some(accumulated);
        Some(true)
    }

    fn run_loop(&mut self, l: &'a Loop) -> Option<V<'a>> {
        let init = self.eval(&l.init)?;
        let Some(range) = &l.range else {
            *self.locals.get_mut(l.accumulator)? = Some(init);
            return self.eval(&l.result);
        };
        let range = self.eval(range)?;
        let len = match &range {
            V::Map(m) => m.len(),
            V::List(list) => list.len(),
            _ => return None,
        };
        // what `@iter` charges
        budget::charge(u64::try_from(len).ok()?.saturating_add(1)).ok()?;
        *self.locals.get_mut(l.accumulator)? = Some(init);
        *self.locals.get_mut(l.item)? = None;
        match range {
            V::List(list) => {
                for i in 0..list.len() {
                    if !self.iterate(l, list.get(i)?)? {
                        break;
                    }
                }
            }
            V::Map(m) => {
                for key in m.keys() {
                    if !self.iterate(l, V::Str(key))? {
                        break;
                    }
                }
            }
            _ => return None,
        }
        self.eval(&l.result)
    }
}

/// What binding a composited variable to `v` charges: [`crate::json::value_size`] of the
/// value the general evaluator would hold (the same walk, over the same nodes)
pub(crate) fn value_size(v: &V<'_>, cap: u64) -> u64 {
    fn go(v: &V<'_>, acc: &mut u64, cap: u64, depth: usize) {
        if *acc >= cap || depth > 64 {
            return;
        }
        match v {
            V::Str(_) | V::Text(_) => *acc += v.str().map_or(0, str::len) as u64 / 8 + 1,
            V::List(list) => {
                *acc += 1;
                for i in 0..list.len() {
                    if let Some(item) = list.get(i) {
                        go(&item, acc, cap, depth + 1);
                    }
                }
            }
            V::Map(m) => *acc += m.len() as u64 + 1,
            _ => *acc += 1,
        }
    }
    let mut acc = 0;
    go(v, &mut acc, cap, 0);
    acc
}

/// `v` as the general evaluator holds the same value: views of the documents' nodes, a list of
/// its items for a list the tree built (what the general `+`, `map` and `filter` build)
pub(crate) fn to_val<'a>(v: &V<'a>) -> Box<dyn Val + 'a> {
    match v {
        V::Null => Box::new(CelNull),
        V::Bool(b) => Box::new(CelBool::from(*b)),
        V::Int(i) => Box::new(CelInt::from(*i)),
        V::Number(n) => json_val(n),
        V::Str(s) => Box::new(CelString::from(*s)),
        V::Text(s) => Box::new(CelString::from(s.to_string())),
        V::List(List::Json(items)) => Box::new(crate::json::JsonList::new(items)),
        V::List(list) => Box::new(CelList::from(
            (0..list.len())
                .filter_map(|i| list.get(i))
                .map(|item| to_val(&item))
                .collect::<Vec<_>>(),
        )),
        V::Map(m) => Box::new(crate::json::JsonMap::new(m)),
        V::NoValue => Box::new(CelOptional::none()),
        V::Optional(v) => Box::new(CelOptional::of(json_val(v))),
    }
}

/// `a == b` where the tree knows the answer: scalars of one kind; with `deep` (the rewrite's
/// `@eq`, and list membership), a list or map is unequal to a scalar
fn equal(a: &V<'_>, b: &V<'_>, deep: bool) -> Option<bool> {
    if deep && a.is_container() != b.is_container() {
        return Some(false);
    }
    Some(match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (x, y) => x.str()? == y.str()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CelEnv, Declarations};
    use serde_json::json;

    fn program(source: &str) -> crate::Program {
        let env = CelEnv::kubernetes().expect("environment");
        let decls = Declarations {
            roots: ["object", "oldObject", "request", "params", "authorizer"]
                .map(String::from)
                .to_vec(),
            variables: vec![],
            typed_request: true,
        };
        env.compile(source, &decls).expect("compiles")
    }

    fn fast_value(source: &str, object: &Value) -> Option<Value> {
        let p = program(source);
        let fast = p.fast.as_deref()?;
        let mut docs = Documents::default();
        docs.bind("object", Some(object));
        let guard = budget::start(u64::MAX, std::time::Duration::from_secs(5));
        let v = fast.eval(&docs, &|_| None);
        let _ = guard.finish();
        v.map(|v| match v {
            V::NoValue => json!("optional.none()"),
            V::Optional(v) => json!({"optional.of": v}),
            other => crate::json::val_to_json(to_val(&other).as_ref()).expect("JSON"),
        })
    }

    #[test]
    fn common_expressions_compile_to_the_tree() {
        for source in [
            "!has(object.spec.hostNetwork) || !object.spec.hostNetwork",
            "object.spec.replicas <= 50",
            "!has(object.spec.type) || object.spec.type != 'LoadBalancer'",
            "!has(object.data) || size(object.data) < 100",
            "object.spec.containers.all(c, has(c.resources) && has(c.resources.limits))",
            "object.spec.containers.exists_one(c, c.name.startsWith('app'))",
            "'team' in object.metadata.labels && object.metadata.labels['team'] in ['a', 'b']",
            "object.metadata.name.size() > 3 ? object.kind == 'Pod' : false",
            "object.spec.containers.all(c, c.ports.all(p, p.containerPort != 22))",
            "object.spec.?securityContext.?fsGroup.orValue(1) > 0",
            "object.spec.?securityContext.?runAsNonRoot.orValue(false) == true",
            "object.spec.containers.all(c, c.?ports.orValue([]).all(p, p.?hostPort.orValue(0) == 0))",
            "object.metadata.?labels[?'team'].hasValue()",
            "size(object.spec.containers.filter(c, !has(c.resources))) == 0",
            "object.spec.containers.map(c, c.name).all(n, n != '')",
            "object.spec.containers.map(c, c.name).join(', ') != ''",
            "string(object.metadata.name).replace('w', 'W') + '!' == 'Web!'",
            "object.spec.containers.all(c, c.image.matches('^[a-z]+:[a-z0-9.]+$'))",
            "matches(object.metadata.name, 'e')",
        ] {
            assert!(program(source).fast.is_some(), "{source}");
        }
    }

    #[test]
    fn what_the_tree_does_not_cover_keeps_the_general_path_only() {
        for source in [
            "object.metadata.name.matches(object.kind)",
            "object.metadata.name.matches('(')",
            "double(object.spec.replicas) > 1.5",
            "strings.quote(object.metadata.name) != ''",
            "authorizer.group('').resource('pods').check('get').allowed()",
            "object.spec.containers.all(i, c, c.name != '')",
        ] {
            assert!(program(source).fast.is_none(), "{source}");
        }
    }

    #[test]
    fn reads_documents_and_gives_up_where_the_general_path_errs() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "web", "labels": {"team": "a"}},
            "spec": {"replicas": 3, "ratio": 1.5, "containers": [
                {"name": "app", "image": "nginx:latest", "ports": [{"containerPort": 80}]},
                {"name": "side", "image": "envoy:1", "resources": {"limits": {"cpu": "1"}}}]}});
        for (source, expected) in [
            (
                "!has(object.spec.hostNetwork) || !object.spec.hostNetwork",
                Some(json!(true)),
            ),
            ("object.spec.replicas <= 2", Some(json!(false))),
            (
                "object.spec.containers.all(c, has(c.resources))",
                Some(json!(false)),
            ),
            (
                "object.spec.containers.exists(c, has(c.resources) && has(c.resources.limits))",
                Some(json!(true)),
            ),
            // the first item errs (no `resources`), the general path's `exists` absorbs it
            (
                "object.spec.containers.exists(c, has(c.resources.limits))",
                None,
            ),
            (
                "object.spec.containers.exists_one(c, c.image.endsWith(':latest'))",
                Some(json!(true)),
            ),
            (
                "object.metadata.labels['team'] in ['a', 'b']",
                Some(json!(true)),
            ),
            ("'team' in object.metadata.labels", Some(json!(true))),
            (
                "'app' in object.spec.containers.map(c, c.name)",
                Some(json!(true)),
            ),
            (
                "size(object.spec.containers.filter(c, c.image.endsWith(':latest'))) == 1",
                Some(json!(true)),
            ),
            (
                "object.spec.containers.map(c, c.name) == ['app', 'side']",
                None,
            ),
            (
                "(object.spec.containers + object.spec.containers).map(c, c.name)[3]",
                Some(json!("side")),
            ),
            ("size(object.metadata.name) == 3", Some(json!(true))),
            ("object.spec.containers[1].name", Some(json!("side"))),
            (
                "object.metadata.labels.all(k, k.size() > 1)",
                Some(json!(true)),
            ),
            (
                "object.spec.?securityContext.?fsGroup.orValue(1) > 0",
                Some(json!(true)),
            ),
            ("object.spec.?replicas.orValue(0)", Some(json!(3))),
            (
                "object.spec.containers.all(c, c.?ports.orValue([]).all(p, p.?hostPort.orValue(0) == 0))",
                Some(json!(true)),
            ),
            (
                "object.metadata.?labels[?'team'].hasValue()",
                Some(json!(true)),
            ),
            (
                "object.metadata.?labels[?'nope'].hasValue()",
                Some(json!(false)),
            ),
            (
                "object.spec.containers[?5].orValue(null) == null",
                Some(json!(true)),
            ),
            (
                "object.metadata.?name.?first.hasValue()",
                Some(json!(false)),
            ),
            ("object.spec.?missing.value()", None),
            ("object.?spec.replicas.orValue(0) == 3", Some(json!(true))),
            ("object.?spec.missing.orValue(7) == 7", Some(json!(true))),
            ("object.?metadata.name.first.hasValue()", None),
            (
                "['a', 'b', 'c'].exists(x, x == object.metadata.labels.team)",
                Some(json!(true)),
            ),
            (
                "size(['a', 'b']) == 2 && ['a', 'b'][1] == 'b'",
                Some(json!(true)),
            ),
            ("object.metadata.name in ['web', 1]", Some(json!(true))),
            ("object.metadata.name in [1, 'web']", None),
            (
                "object.spec.containers.map(c, c.name).join(', ')",
                Some(json!("app, side")),
            ),
            (
                "'pod ' + object.metadata.name + ' has ' + string(size(object.spec.containers))",
                Some(json!("pod web has 2")),
            ),
            (
                "string(object.metadata.name).replace('e', 'E') == 'wEb'",
                Some(json!(true)),
            ),
            ("object.spec.containers.map(c, c.ports).join(',')", None),
            (
                "object.spec.containers.all(c, c.image.matches('^[a-z]+:[a-z0-9.]+$'))",
                Some(json!(true)),
            ),
            (
                "object.spec.containers.exists(c, c.image.matches('^envoy:'))",
                Some(json!(true)),
            ),
            ("matches(object.metadata.name, '^w.b$')", Some(json!(true))),
            ("object.spec.replicas.matches('3')", None),
            // errors in the general path: the tree gives up
            ("object.spec.hostNetwork", None),
            ("object.spec.containers[2].name == 'x'", None),
            ("object.spec.replicas == 'three'", None),
            ("object.spec.ratio > 1", None),
            (
                "object.spec.containers.all(c, c.resources.limits.cpu == '1')",
                None,
            ),
        ] {
            assert_eq!(fast_value(source, &pod), expected, "{source}");
            // through an activation, where debug builds also run the general evaluator and
            // assert that it agrees
            let env = CelEnv::kubernetes().expect("environment");
            let mut act = crate::Activation::new(&env, crate::Limits::default(), u64::MAX);
            act.bind_json("object", Some(&pod));
            let p = program(source);
            match expected {
                Some(Value::Bool(b)) => assert_eq!(act.eval_bool(&p), Ok(b), "{source}"),
                Some(Value::String(s)) => assert_eq!(act.eval_string(&p), Ok(Some(s)), "{source}"),
                _ => {}
            }
        }
    }

    #[test]
    fn a_comprehension_charges_what_iter_charges() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let p = program("object.spec.containers.all(c, c.name != '')");
        let fast = p.fast.as_deref().expect("fast");
        assert!(fast.charges());
        let mut docs = Documents::default();
        docs.bind("object", Some(&pod));
        let guard = budget::start(u64::MAX, std::time::Duration::from_secs(5));
        assert_eq!(fast.eval(&docs, &|_| None), Some(V::Bool(true)));
        assert_eq!(guard.finish().0, 3);
        // out of budget: the tree gives up, the general path reports it
        let guard = budget::start(2, std::time::Duration::from_secs(5));
        assert_eq!(fast.eval(&docs, &|_| None), None);
        let _ = guard.finish();
    }
}
