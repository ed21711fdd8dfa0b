//! Compiling expressions: parse, macro expansion, checks and rewrites, once per expression.

use crate::host::HostFunctions;
use crate::rewrite::{Declarations, Rewriter};
use cel::parser::Expression;
use palisade_source::{Diagnostic, Position, SourceFile};
use std::sync::{Arc, LazyLock};

/// The CEL environment: the standard library plus the Kubernetes libraries (1.34 stored
/// expressions environment). Cheap to clone; share it.
#[derive(Clone)]
pub struct CelEnv {
    pub(crate) env: Arc<cel::Env>,
    /// Functions a dependent crate added ([`CelEnv::with_functions`])
    pub(crate) host: Option<Arc<HostFunctions>>,
}

impl std::fmt::Debug for CelEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CelEnv")
    }
}

/// The environment could not be built (a library declared a conflicting overload)
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot build the CEL environment: {0}")]
pub struct EnvError(pub String);

static SHARED: LazyLock<Result<CelEnv, EnvError>> = LazyLock::new(CelEnv::build);

impl CelEnv {
    /// The process-wide Kubernetes environment (built once)
    pub fn kubernetes() -> Result<Self, EnvError> {
        SHARED.clone()
    }

    fn build() -> Result<Self, EnvError> {
        let mut env = cel::Env::stdlib();
        crate::k8s::register(&mut env).map_err(|e| EnvError(e.to_string()))?;
        Ok(Self {
            env: Arc::new(env),
            host: None,
        })
    }

    /// This environment plus `functions` (replacing host functions added before): calls to
    /// them compile, and evaluate against the data bound with
    /// [`crate::Activation::bind_host_data`]. Shares the underlying environment.
    pub fn with_functions(&self, functions: HostFunctions) -> Self {
        Self {
            env: Arc::clone(&self.env),
            host: Some(Arc::new(functions)),
        }
    }

    /// A program that always fails with `message`: stands for an expression that did not
    /// compile, so that its error surfaces where the expression is used (as in the API server)
    pub fn failing(&self, message: &str) -> Program {
        use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue};
        let arg = IdedExpr {
            id: 2,
            expr: Expr::Literal(LiteralValue::String(cel::common::types::CelString::from(
                message.to_owned(),
            ))),
        };
        let expr = IdedExpr {
            id: 1,
            expr: Expr::Call(CallExpr {
                func_name: "@error".into(),
                target: None,
                args: vec![arg],
            }),
        };
        Program {
            source: Arc::from(message),
            expr: Arc::new(expr),
            fast: None,
            variables: Vec::new(),
        }
    }

    /// Compile `source` against what it may refer to
    pub fn compile(&self, source: &str, decls: &Declarations) -> Result<Program, CompileError> {
        let (mut expr, info) = self
            .env
            .parser()
            .max_recursion_depth(64)
            .parse_with_source_info(source)
            .map_err(|errs| {
                let first = errs.errors.first();
                let (line, column) = first.map_or((1, 1), |e| e.pos);
                CompileError {
                    message: first.map_or_else(|| "syntax error".to_owned(), |e| e.msg.clone()),
                    line: u32::try_from(line).unwrap_or(1).max(1),
                    column: u32::try_from(column).unwrap_or(1).max(1),
                }
            })?;
        let mut rw = Rewriter::new(decls, self.host.as_deref());
        rw.rewrite(&mut expr);
        if let Some((id, message)) = rw.found.errors.first() {
            let (line, column) = info
                .offset_for(*id)
                .map_or((1, 1), |(start, _)| line_column(source, start));
            return Err(CompileError {
                message: message.clone(),
                line,
                column,
            });
        }
        Ok(Program {
            source: Arc::from(source),
            fast: crate::fast::compile(&expr).map(Arc::new),
            expr: Arc::new(expr),
            variables: rw.found.variables.into_iter().collect(),
        })
    }
}

/// 1-based line and column (in characters) of byte offset `offset` of `source`
fn line_column(source: &str, offset: u32) -> (u32, u32) {
    let offset = usize::try_from(offset).unwrap_or(0);
    let (mut line, mut column) = (1u32, 1u32);
    for (i, c) in source.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// A compiled expression: immutable, `Send + Sync`, evaluated any number of times on any
/// thread
#[derive(Clone)]
pub struct Program {
    source: Arc<str>,
    pub(crate) expr: Arc<Expression>,
    /// The same expression for the direct evaluator, when it is within what that covers
    pub(crate) fast: Option<Arc<crate::fast::FastProgram>>,
    /// Composited variables the expression refers to
    pub(crate) variables: Vec<String>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Program {
    /// The expression as written
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The composited variables (`variables.<name>`) it refers to
    pub fn variables(&self) -> &[String] {
        &self.variables
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Program>();
    send_sync::<CelEnv>();
};

/// A compile error, with its line and column within the expression (1-based)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ERROR: <input>:{line}:{column}: {message}")]
pub struct CompileError {
    /// What is wrong
    pub message: String,
    /// Line within the expression
    pub line: u32,
    /// Column within the expression line
    pub column: u32,
}

impl CompileError {
    /// A diagnostic pointing into the policy file: `field` is where the expression's field
    /// (its key) starts, as [`palisade_source::Positions::locate`] returns it; the position is
    /// refined to the offending character of the expression when the file text allows.
    pub fn diagnostic(&self, file: &SourceFile, field: Position, what: &str) -> Diagnostic {
        let at = expression_position(file, field, self.line, self.column).unwrap_or(field);
        Diagnostic::error(
            "cel-compile",
            &file.name,
            Some(at),
            format!("{what}: compilation failed: {}", self.message),
        )
        .with_help(
            "see https://kubernetes.io/docs/reference/using-api/cel/ for the CEL environment",
        )
    }
}

/// Where line `line`, column `column` of a scalar's value is in the file, given where its key
/// starts: handles plain, quoted and block (`|`, `>`) scalars
pub fn expression_position(
    file: &SourceFile,
    key: Position,
    line: u32,
    column: u32,
) -> Option<Position> {
    let key_line = file.line_text(key.line)?;
    let key_col = usize::try_from(key.column).ok()?.checked_sub(1)?;
    let rest: String = key_line.chars().skip(key_col).collect();
    let colon = find_key_colon(&rest)?;
    let after: String = rest.chars().skip(colon + 1).collect();
    let spaces = after.chars().take_while(|c| *c == ' ').count();
    let value = after.get(spaces..).unwrap_or("");
    let value_col = u32::try_from(key_col + colon + 1 + spaces + 1).ok()?;
    if value.starts_with('|') || value.starts_with('>') {
        let target = key.line + line;
        let text = file.line_text(key.line + 1)?;
        let indent = u32::try_from(text.chars().take_while(|c| *c == ' ').count()).ok()?;
        return Some(Position {
            line: target,
            column: indent + column,
        });
    }
    let quoted = u32::from(value.starts_with('"') || value.starts_with('\''));
    if line == 1 {
        Some(Position {
            line: key.line,
            column: value_col + quoted + column - 1,
        })
    } else {
        Some(Position {
            line: key.line + line - 1,
            column,
        })
    }
}

/// The index (in chars) of the `:` ending a YAML key at the start of `s`
fn find_key_colon(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.chars().enumerate() {
        match (quote, c) {
            (None, '"' | '\'') if i == 0 => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ':') => return Some(i),
            _ => {}
        }
    }
    None
}
