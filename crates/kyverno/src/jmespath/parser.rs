//! Pratt parser producing the JMESPath AST (same grammar and binding powers as go-jmespath).

use super::JpError;
use super::lexer::{Tok, tokenize};
use serde_json::Value;

/// Comparison operators
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

/// A JMESPath expression tree
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// The current value (`@`, or the implicit right side of a projection)
    Identity,
    /// `foo`
    Field(String),
    /// `` `json` `` or `'raw'`
    Literal(Value),
    /// `[0]`
    Index(i64),
    /// `[a:b:c]`
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `a.b`
    Sub(Box<Node>, Box<Node>),
    /// `a[0]`
    IndexExpr(Box<Node>, Box<Node>),
    /// `a[*].b`, `a[].b`
    Projection(Box<Node>, Box<Node>),
    /// `a.*.b`
    ValueProjection(Box<Node>, Box<Node>),
    /// `a[?cond].b`: left, right, condition
    FilterProjection(Box<Node>, Box<Node>, Box<Node>),
    /// `a[]`
    Flatten(Box<Node>),
    /// `a == b`
    Cmp(CmpOp, Box<Node>, Box<Node>),
    /// `a || b`
    Or(Box<Node>, Box<Node>),
    /// `a && b`
    And(Box<Node>, Box<Node>),
    /// `!a`
    Not(Box<Node>),
    /// `a | b`
    Pipe(Box<Node>, Box<Node>),
    /// `[a, b]`
    MultiList(Vec<Node>),
    /// `{k: a}`
    MultiHash(Vec<(String, Node)>),
    /// `f(a, b)`
    Function(String, Vec<Node>),
    /// `&expr`
    ExpRef(Box<Node>),
}

const PROJECTION_STOP: u8 = 10;

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    input: &'a str,
}

/// Parse an expression
pub fn parse(input: &str) -> Result<Node, JpError> {
    let toks = tokenize(input)?;
    let mut p = Parser {
        toks,
        pos: 0,
        input,
    };
    let node = p.expression(0)?;
    if p.current() != &Tok::Eof {
        return Err(p.error(format!("unexpected token: {:?}", p.current())));
    }
    Ok(node)
}

impl Parser<'_> {
    fn current(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.0)
    }

    fn lookahead(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).map_or(&Tok::Eof, |t| &t.0)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.input.len(), |t| t.1)
    }

    fn error(&self, msg: String) -> JpError {
        JpError::Syntax {
            msg,
            offset: self.offset(),
            expression: self.input.to_owned(),
        }
    }

    fn advance(&mut self) -> Tok {
        let t = self.current().clone();
        self.pos += 1;
        t
    }

    fn expect(&mut self, t: &Tok) -> Result<(), JpError> {
        if self.current() == t {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected {t:?}, received {:?}", self.current())))
        }
    }

    fn expression(&mut self, bp: u8) -> Result<Node, JpError> {
        let tok = self.advance();
        let mut left = self.nud(tok)?;
        while bp < self.current().lbp() {
            let tok = self.advance();
            left = self.led(tok, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, tok: Tok) -> Result<Node, JpError> {
        match tok {
            Tok::Literal(v) => Ok(Node::Literal(v)),
            Tok::Unquoted(s) => Ok(Node::Field(s)),
            Tok::Quoted(s) => {
                if self.current() == &Tok::Lparen {
                    return Err(
                        self.error("can't have quoted identifier as function name.".to_owned())
                    );
                }
                Ok(Node::Field(s))
            }
            Tok::Star => {
                let right = if self.current() == &Tok::Rbracket {
                    Node::Identity
                } else {
                    self.projection_rhs(Tok::Star.lbp())?
                };
                Ok(Node::ValueProjection(
                    Box::new(Node::Identity),
                    Box::new(right),
                ))
            }
            Tok::Filter => self.led_filter(Node::Identity),
            Tok::Lbrace => self.multi_hash(),
            Tok::Lparen => {
                let e = self.expression(0)?;
                self.expect(&Tok::Rparen)?;
                Ok(e)
            }
            Tok::Flatten => {
                let left = Node::Flatten(Box::new(Node::Identity));
                let right = self.projection_rhs(Tok::Flatten.lbp())?;
                Ok(Node::Projection(Box::new(left), Box::new(right)))
            }
            Tok::Not => {
                let e = self.expression(Tok::Not.lbp())?;
                Ok(Node::Not(Box::new(e)))
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let right = self.index_expression()?;
                    self.project_if_slice(Node::Identity, right)
                }
                Tok::Star if self.lookahead(1) == &Tok::Rbracket => {
                    self.pos += 2;
                    let right = self.projection_rhs(Tok::Star.lbp())?;
                    Ok(Node::Projection(Box::new(Node::Identity), Box::new(right)))
                }
                _ => self.multi_list(),
            },
            Tok::Current => Ok(Node::Identity),
            Tok::Expref => {
                let e = self.expression(Tok::Expref.lbp())?;
                Ok(Node::ExpRef(Box::new(e)))
            }
            Tok::Eof => Err(self.error("incomplete expression".to_owned())),
            other => Err(self.error(format!("unexpected token: {other:?}"))),
        }
    }

    fn led(&mut self, tok: Tok, left: Node) -> Result<Node, JpError> {
        match tok {
            Tok::Dot => {
                if self.current() == &Tok::Star {
                    self.pos += 1;
                    let right = self.projection_rhs(Tok::Dot.lbp())?;
                    Ok(Node::ValueProjection(Box::new(left), Box::new(right)))
                } else {
                    let right = self.dot_rhs(Tok::Dot.lbp())?;
                    Ok(Node::Sub(Box::new(left), Box::new(right)))
                }
            }
            Tok::Pipe => {
                let right = self.expression(Tok::Pipe.lbp())?;
                Ok(Node::Pipe(Box::new(left), Box::new(right)))
            }
            Tok::Or => {
                let right = self.expression(Tok::Or.lbp())?;
                Ok(Node::Or(Box::new(left), Box::new(right)))
            }
            Tok::And => {
                let right = self.expression(Tok::And.lbp())?;
                Ok(Node::And(Box::new(left), Box::new(right)))
            }
            Tok::Lparen => {
                let Node::Field(name) = left else {
                    return Err(self.error("invalid function name".to_owned()));
                };
                let mut args = Vec::new();
                while self.current() != &Tok::Rparen {
                    args.push(self.expression(0)?);
                    if self.current() == &Tok::Comma {
                        self.pos += 1;
                    } else if self.current() != &Tok::Rparen {
                        return Err(self.error(format!(
                            "expected comma or closing paren, received {:?}",
                            self.current()
                        )));
                    }
                }
                self.pos += 1;
                Ok(Node::Function(name, args))
            }
            Tok::Filter => self.led_filter(left),
            Tok::Flatten => {
                let left = Node::Flatten(Box::new(left));
                let right = self.projection_rhs(Tok::Flatten.lbp())?;
                Ok(Node::Projection(Box::new(left), Box::new(right)))
            }
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => {
                let op = match tok {
                    Tok::Eq => CmpOp::Eq,
                    Tok::Ne => CmpOp::Ne,
                    Tok::Lt => CmpOp::Lt,
                    Tok::Lte => CmpOp::Lte,
                    Tok::Gt => CmpOp::Gt,
                    _ => CmpOp::Gte,
                };
                let right = self.expression(tok.lbp())?;
                Ok(Node::Cmp(op, Box::new(left), Box::new(right)))
            }
            Tok::Lbracket => match self.current() {
                Tok::Number(_) | Tok::Colon => {
                    let right = self.index_expression()?;
                    self.project_if_slice(left, right)
                }
                _ => {
                    self.expect(&Tok::Star)?;
                    self.expect(&Tok::Rbracket)?;
                    let right = self.projection_rhs(Tok::Star.lbp())?;
                    Ok(Node::Projection(Box::new(left), Box::new(right)))
                }
            },
            other => Err(self.error(format!("unexpected token: {other:?}"))),
        }
    }

    fn led_filter(&mut self, left: Node) -> Result<Node, JpError> {
        let cond = self.expression(0)?;
        self.expect(&Tok::Rbracket)?;
        let right = if self.current() == &Tok::Flatten {
            Node::Identity
        } else {
            self.projection_rhs(Tok::Filter.lbp())?
        };
        Ok(Node::FilterProjection(
            Box::new(left),
            Box::new(right),
            Box::new(cond),
        ))
    }

    fn index_expression(&mut self) -> Result<Node, JpError> {
        if self.lookahead(0) == &Tok::Colon || self.lookahead(1) == &Tok::Colon {
            return self.slice_expression();
        }
        let Tok::Number(n) = self.advance() else {
            return Err(self.error("expected number".to_owned()));
        };
        self.expect(&Tok::Rbracket)?;
        Ok(Node::Index(n))
    }

    fn slice_expression(&mut self) -> Result<Node, JpError> {
        let mut parts: [Option<i64>; 3] = [None, None, None];
        let mut index = 0;
        while self.current() != &Tok::Rbracket && index < 3 {
            match self.current().clone() {
                Tok::Colon => {
                    index += 1;
                    self.pos += 1;
                }
                Tok::Number(n) => {
                    parts[index] = Some(n);
                    self.pos += 1;
                }
                other => {
                    return Err(self.error(format!("expected colon or number, received {other:?}")));
                }
            }
        }
        self.expect(&Tok::Rbracket)?;
        if parts[2] == Some(0) {
            return Err(self.error("step cannot be 0".to_owned()));
        }
        Ok(Node::Slice(parts[0], parts[1], parts[2]))
    }

    fn project_if_slice(&mut self, left: Node, right: Node) -> Result<Node, JpError> {
        let is_slice = matches!(right, Node::Slice(..));
        let index = Node::IndexExpr(Box::new(left), Box::new(right));
        if is_slice {
            let rhs = self.projection_rhs(Tok::Star.lbp())?;
            Ok(Node::Projection(Box::new(index), Box::new(rhs)))
        } else {
            Ok(index)
        }
    }

    fn projection_rhs(&mut self, bp: u8) -> Result<Node, JpError> {
        let cur = self.current().clone();
        if cur.lbp() < PROJECTION_STOP {
            return Ok(Node::Identity);
        }
        match cur {
            Tok::Lbracket | Tok::Filter => self.expression(bp),
            Tok::Dot => {
                self.pos += 1;
                self.dot_rhs(bp)
            }
            other => Err(self.error(format!("syntax error: unexpected token {other:?}"))),
        }
    }

    fn dot_rhs(&mut self, bp: u8) -> Result<Node, JpError> {
        match self.current() {
            Tok::Unquoted(_) | Tok::Quoted(_) | Tok::Star => self.expression(bp),
            Tok::Lbracket => {
                self.pos += 1;
                self.multi_list()
            }
            Tok::Lbrace => {
                self.pos += 1;
                self.multi_hash()
            }
            other => Err(self.error(format!(
                "expected identifier, lbracket, or lbrace, received {other:?}"
            ))),
        }
    }

    fn multi_list(&mut self) -> Result<Node, JpError> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if self.current() == &Tok::Rbracket {
                self.pos += 1;
                break;
            }
            self.expect(&Tok::Comma)?;
        }
        Ok(Node::MultiList(items))
    }

    fn multi_hash(&mut self) -> Result<Node, JpError> {
        let mut items = Vec::new();
        loop {
            let key = match self.advance() {
                Tok::Unquoted(s) | Tok::Quoted(s) => s,
                other => {
                    return Err(self.error(format!("expected identifier, received {other:?}")));
                }
            };
            self.expect(&Tok::Colon)?;
            let value = self.expression(0)?;
            items.push((key, value));
            if self.current() == &Tok::Rbrace {
                self.pos += 1;
                break;
            }
            self.expect(&Tok::Comma)?;
        }
        Ok(Node::MultiHash(items))
    }
}
