//! The STIX 2.1 patterning language (OASIS STIX 2.1, section 9), the subset indicators use.
//!
//! The full grammar is parsed: observation expressions joined by `AND`, `OR` and `FOLLOWEDBY`
//! with parentheses; comparison expressions joined by `AND`/`OR` with parentheses; every
//! comparison operator (`=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, `MATCHES`,
//! `ISSUBSET`, `ISSUPERSET`, `EXISTS`, each optionally negated with `NOT`); string, integer,
//! float, boolean, hex (`h'..'`), binary (`b'..'`) and timestamp (`t'..'`) literals; object
//! paths with quoted components and list indices; the `WITHIN`, `START … STOP` and `REPEATS`
//! qualifiers. Which of these the matcher can evaluate is decided later (see `crate::IocSet`).
//!
//! Object types are not checked against the STIX vocabulary: MVT feeds use non-standard ones
//! (`app:id`, `app:cert.sha1`, `android-property:name`, `configuration-profile:id`).

use std::fmt;

/// Longest pattern accepted, in bytes. Real indicators are far shorter.
pub const MAX_PATTERN_LEN: usize = 64 * 1024;
/// Deepest nesting of parentheses/brackets accepted (bounds the recursion).
pub const MAX_DEPTH: usize = 64;

/// A parse error: what is wrong and the byte offset in the pattern where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset in the pattern text.
    pub position: usize,
    /// What was expected or what is wrong.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.position, self.message)
    }
}

impl std::error::Error for PatternError {}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The observation expression tree.
    pub expr: ObservationExpr,
    /// Remarks on parts that were parsed but are ignored when matching (qualifiers,
    /// `FOLLOWEDBY` ordering).
    pub notes: Vec<String>,
}

/// An observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison ]`: one observation.
    Observation(ComparisonExpr),
    /// `a AND b`: both observed.
    And(Vec<ObservationExpr>),
    /// `a OR b`: either observed.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b`: both observed, in that order.
    FollowedBy(Vec<ObservationExpr>),
    /// An expression with a qualifier.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// A qualifier on an observation expression (parsed, ignored when matching a static app).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`.
    Within(f64),
    /// `START t'…' STOP t'…'`.
    StartStop(String, String),
    /// `REPEATS n TIMES`.
    Repeats(u64),
}

/// A comparison expression (inside one observation's brackets).
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// All must hold.
    And(Vec<ComparisonExpr>),
    /// One must hold.
    Or(Vec<ComparisonExpr>),
    /// One comparison.
    Test(Comparison),
}

/// One comparison: `path [NOT] op value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object path compared.
    pub path: ObjectPath,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator.
    pub op: Operator,
    /// The right-hand side (`Literal::Set` for `IN`; `Literal::Bool(true)` for `EXISTS`).
    pub value: Literal,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=` or `==`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `IN ( … )`.
    In,
    /// `LIKE`.
    Like,
    /// `MATCHES`.
    Matches,
    /// `ISSUBSET`.
    IsSubset,
    /// `ISSUPERSET`.
    IsSuperset,
    /// `EXISTS`.
    Exists,
}

/// A path into a cyber observable: `type:component(.component|[index])*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    /// The object type (`domain-name`, `file`, `app`, …).
    pub object_type: String,
    /// The property components after the colon.
    pub components: Vec<PathComponent>,
}

/// One component of an object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathComponent {
    /// A property name (quoted or not, unquoted here).
    Property(String),
    /// A list index.
    Index(i64),
    /// `[*]`.
    AnyIndex,
}

impl ObjectPath {
    /// The path as `type:a.b` with quotes removed and indices as `[n]`/`[*]`
    /// (e.g. `file:hashes.SHA-256`).
    pub fn key(&self) -> String {
        let mut s = self.object_type.clone();
        s.push(':');
        for (i, c) in self.components.iter().enumerate() {
            match c {
                PathComponent::Property(p) => {
                    if i > 0 {
                        s.push('.');
                    }
                    s.push_str(p);
                }
                PathComponent::Index(n) => s.push_str(&format!("[{n}]")),
                PathComponent::AnyIndex => s.push_str("[*]"),
            }
        }
        s
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'` (unescaped).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `h'…'` (hex digits as written).
    Hex(String),
    /// `b'…'` (base64 as written).
    Binary(String),
    /// `t'…'` (timestamp as written).
    Timestamp(String),
    /// `( a, b, … )` for `IN`.
    Set(Vec<Literal>),
}

impl Literal {
    /// The string value of a `Str` literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Comma,
    Colon,
    Dot,
    Star,
    Op(&'static str),
    Ident(String),
    Str(String),
    Typed(char, String),
    Int(i64),
    Float(f64),
    Eof,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LBrack => "'['".into(),
        Tok::RBrack => "']'".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Colon => "':'".into(),
        Tok::Dot => "'.'".into(),
        Tok::Star => "'*'".into(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Typed(c, s) => format!("{c}'{s}'"),
        Tok::Int(n) => format!("integer {n}"),
        Tok::Float(n) => format!("number {n}"),
        Tok::Eof => "end of pattern".into(),
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn err<T>(&self, position: usize, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            position,
            message: message.into(),
        })
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek_char_at(&self, off: usize) -> Option<char> {
        self.src
            .get(self.pos + off..)
            .and_then(|s| s.chars().next())
    }

    /// Lexes one token; returns it with its start offset.
    fn next(&mut self) -> Result<(usize, Tok), PatternError> {
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok((start, Tok::Eof));
        };
        let single = |t: Tok, l: &mut Self| {
            l.pos += 1;
            Ok((start, t))
        };
        match c {
            '[' => single(Tok::LBrack, self),
            ']' => single(Tok::RBrack, self),
            '(' => single(Tok::LParen, self),
            ')' => single(Tok::RParen, self),
            ',' => single(Tok::Comma, self),
            ':' => single(Tok::Colon, self),
            '.' => single(Tok::Dot, self),
            '*' => single(Tok::Star, self),
            '=' => {
                if self.peek_char_at(1) == Some('=') {
                    self.pos += 2;
                    Ok((start, Tok::Op("=")))
                } else {
                    single(Tok::Op("="), self)
                }
            }
            '!' => {
                if self.peek_char_at(1) == Some('=') {
                    self.pos += 2;
                    Ok((start, Tok::Op("!=")))
                } else {
                    self.err(start, "unknown operator '!' (did you mean '!='?)")
                }
            }
            '<' => match self.peek_char_at(1) {
                Some('=') => {
                    self.pos += 2;
                    Ok((start, Tok::Op("<=")))
                }
                Some('>') => {
                    self.pos += 2;
                    Ok((start, Tok::Op("!=")))
                }
                _ => single(Tok::Op("<"), self),
            },
            '>' => {
                if self.peek_char_at(1) == Some('=') {
                    self.pos += 2;
                    Ok((start, Tok::Op(">=")))
                } else {
                    single(Tok::Op(">"), self)
                }
            }
            '\'' => {
                let s = self.string(start)?;
                Ok((start, Tok::Str(s)))
            }
            'h' | 'b' | 't' if self.peek_char_at(1) == Some('\'') => {
                self.pos += 1;
                let s = self.string(start)?;
                Ok((start, Tok::Typed(c, s)))
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let rest = self.src.get(self.pos..).unwrap_or("");
                let len = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
                    .unwrap_or(rest.len());
                let word = rest.get(..len).unwrap_or("");
                self.pos += len;
                Ok((start, Tok::Ident(word.to_string())))
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => self.number(start),
            other => self.err(start, format!("unexpected character {other:?}")),
        }
    }

    /// A quoted string starting at `self.pos` (the quote); `start` is where the token began.
    fn string(&mut self, start: usize) -> Result<String, PatternError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return self.err(start, "unterminated string literal");
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let at = self.pos;
                    match self.peek_char_at(1) {
                        Some('\'') => out.push('\''),
                        Some('\\') => out.push('\\'),
                        Some(other) => {
                            return self.err(
                                at,
                                format!(
                                    "invalid escape '\\{other}' (only \\' and \\\\ are allowed)"
                                ),
                            )
                        }
                        None => return self.err(start, "unterminated string literal"),
                    }
                    self.pos += 2;
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<(usize, Tok), PatternError> {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let mut len = 0;
        let bytes = rest.as_bytes();
        if matches!(bytes.first(), Some(b'-' | b'+')) {
            len = 1;
        }
        let digits_start = len;
        while bytes.get(len).is_some_and(u8::is_ascii_digit) {
            len += 1;
        }
        if len == digits_start {
            return self.err(start, "expected a number after the sign");
        }
        let mut float = false;
        if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
            float = true;
            len += 1;
            while bytes.get(len).is_some_and(u8::is_ascii_digit) {
                len += 1;
            }
        }
        let text = rest.get(..len).unwrap_or("");
        self.pos += len;
        if float {
            match text.parse::<f64>() {
                Ok(v) => Ok((start, Tok::Float(v))),
                Err(_) => self.err(start, format!("invalid number {text}")),
            }
        } else {
            match text.parse::<i64>() {
                Ok(v) => Ok((start, Tok::Int(v))),
                // Beyond i64: kept as a float (never evaluated; the grammar has no bound).
                Err(_) => match text.parse::<f64>() {
                    Ok(v) => Ok((start, Tok::Float(v))),
                    Err(_) => self.err(start, format!("invalid number {text}")),
                },
            }
        }
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok,
    at: usize,
    depth: usize,
    notes: Vec<String>,
}

/// Parses a STIX 2.1 pattern.
pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(PatternError {
            position: 0,
            message: format!(
                "pattern is {} bytes long (limit {MAX_PATTERN_LEN})",
                pattern.len()
            ),
        });
    }
    let mut lex = Lexer {
        src: pattern,
        pos: 0,
    };
    let (at, tok) = lex.next()?;
    let mut p = Parser {
        lex,
        tok,
        at,
        depth: 0,
        notes: Vec::new(),
    };
    if p.tok == Tok::Eof {
        return p.err("empty pattern");
    }
    let expr = p.observation_expressions()?;
    if p.tok != Tok::Eof {
        let what = describe(&p.tok);
        return p.err(format!(
            "expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern, found {what}"
        ));
    }
    Ok(Pattern {
        expr,
        notes: p.notes,
    })
}

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            position: self.at,
            message: message.into(),
        })
    }

    fn err_at<T>(&self, position: usize, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            position,
            message: message.into(),
        })
    }

    fn bump(&mut self) -> Result<Tok, PatternError> {
        let (at, tok) = self.lex.next()?;
        self.at = at;
        Ok(std::mem::replace(&mut self.tok, tok))
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s == kw)
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), PatternError> {
        if &self.tok == want {
            self.bump()?;
            Ok(())
        } else {
            let found = describe(&self.tok);
            self.err(format!("expected {what}, found {found}"))
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("nesting deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn observation_expressions(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut items = vec![self.observation_or()?];
        while self.is_kw("FOLLOWEDBY") {
            self.bump()?;
            items.push(self.observation_or()?);
        }
        if items.len() == 1 {
            Ok(items.pop().unwrap_or(ObservationExpr::Or(Vec::new())))
        } else {
            self.notes
                .push("FOLLOWEDBY ordering ignored: matched as AND".to_string());
            Ok(ObservationExpr::FollowedBy(items))
        }
    }

    fn observation_or(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut items = vec![self.observation_and()?];
        while self.is_kw("OR") {
            self.bump()?;
            items.push(self.observation_and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(ObservationExpr::Or(Vec::new()))
        } else {
            ObservationExpr::Or(items)
        })
    }

    fn observation_and(&mut self) -> Result<ObservationExpr, PatternError> {
        let mut items = vec![self.observation()?];
        while self.is_kw("AND") {
            self.bump()?;
            items.push(self.observation()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(ObservationExpr::And(Vec::new()))
        } else {
            ObservationExpr::And(items)
        })
    }

    fn observation(&mut self) -> Result<ObservationExpr, PatternError> {
        self.enter()?;
        let mut expr = match self.tok {
            Tok::LBrack => {
                self.bump()?;
                let c = self.comparison_or()?;
                self.expect(&Tok::RBrack, "']' closing the observation")?;
                ObservationExpr::Observation(c)
            }
            Tok::LParen => {
                self.bump()?;
                let e = self.observation_expressions()?;
                self.expect(&Tok::RParen, "')'")?;
                e
            }
            _ => {
                let found = describe(&self.tok);
                return self.err(format!(
                    "expected '[' starting an observation expression, found {found}"
                ));
            }
        };
        loop {
            let q = if self.is_kw("WITHIN") {
                self.bump()?;
                let at = self.at;
                let n = match self.bump()? {
                    Tok::Int(n) if n > 0 => n as f64,
                    Tok::Float(f) if f > 0.0 => f,
                    other => {
                        return self.err_at(
                            at,
                            format!(
                                "expected a positive number of seconds after WITHIN, found {}",
                                describe(&other)
                            ),
                        )
                    }
                };
                if !self.is_kw("SECONDS") {
                    let found = describe(&self.tok);
                    return self.err(format!("expected SECONDS, found {found}"));
                }
                self.bump()?;
                Qualifier::Within(n)
            } else if self.is_kw("START") {
                self.bump()?;
                let a = self.timestamp("START")?;
                if !self.is_kw("STOP") {
                    let found = describe(&self.tok);
                    return self.err(format!("expected STOP, found {found}"));
                }
                self.bump()?;
                let b = self.timestamp("STOP")?;
                Qualifier::StartStop(a, b)
            } else if self.is_kw("REPEATS") {
                self.bump()?;
                let n = match self.tok {
                    Tok::Int(n) if n > 0 => n as u64,
                    _ => {
                        let found = describe(&self.tok);
                        return self.err(format!(
                            "expected a positive integer after REPEATS, found {found}"
                        ));
                    }
                };
                self.bump()?;
                if !self.is_kw("TIMES") {
                    let found = describe(&self.tok);
                    return self.err(format!("expected TIMES, found {found}"));
                }
                self.bump()?;
                Qualifier::Repeats(n)
            } else {
                break;
            };
            let name = match q {
                Qualifier::Within(_) => "WITHIN",
                Qualifier::StartStop(..) => "START/STOP",
                Qualifier::Repeats(_) => "REPEATS",
            };
            self.notes.push(format!(
                "{name} qualifier ignored: an app is a static observation"
            ));
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        self.depth -= 1;
        Ok(expr)
    }

    fn timestamp(&mut self, after: &str) -> Result<String, PatternError> {
        let at = self.at;
        match self.bump()? {
            Tok::Typed('t', s) => Ok(s),
            other => self.err_at(
                at,
                format!(
                    "expected a timestamp t'…' after {after}, found {}",
                    describe(&other)
                ),
            ),
        }
    }

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut items = vec![self.comparison_and()?];
        while self.is_kw("OR") {
            self.bump()?;
            items.push(self.comparison_and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(ComparisonExpr::Or(Vec::new()))
        } else {
            ComparisonExpr::Or(items)
        })
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        let mut items = vec![self.prop_test()?];
        while self.is_kw("AND") {
            self.bump()?;
            items.push(self.prop_test()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(ComparisonExpr::And(Vec::new()))
        } else {
            ComparisonExpr::And(items)
        })
    }

    fn prop_test(&mut self) -> Result<ComparisonExpr, PatternError> {
        if self.tok == Tok::LParen {
            self.enter()?;
            self.bump()?;
            let e = self.comparison_or()?;
            self.expect(&Tok::RParen, "')'")?;
            self.depth -= 1;
            return Ok(e);
        }
        let mut negated = false;
        if self.is_kw("NOT") {
            self.bump()?;
            negated = true;
        }
        if self.is_kw("EXISTS") {
            self.bump()?;
            let path = self.object_path()?;
            return Ok(ComparisonExpr::Test(Comparison {
                path,
                negated,
                op: Operator::Exists,
                value: Literal::Bool(true),
            }));
        }
        if negated {
            return self.err("NOT goes after the object path (path NOT = 'v') or before EXISTS");
        }
        let path = self.object_path()?;
        if self.is_kw("NOT") {
            self.bump()?;
            negated = true;
        }
        let op = match &self.tok {
            Tok::Op("=") => Operator::Eq,
            Tok::Op("!=") => Operator::Ne,
            Tok::Op("<") => Operator::Lt,
            Tok::Op("<=") => Operator::Le,
            Tok::Op(">") => Operator::Gt,
            Tok::Op(">=") => Operator::Ge,
            Tok::Ident(s) => match s.as_str() {
                "IN" => Operator::In,
                "LIKE" => Operator::Like,
                "MATCHES" => Operator::Matches,
                "ISSUBSET" => Operator::IsSubset,
                "ISSUPERSET" => Operator::IsSuperset,
                other => {
                    return self.err(format!(
                        "unknown operator '{other}' (expected =, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET or ISSUPERSET)"
                    ))
                }
            },
            other => {
                let found = describe(other);
                return self.err(format!("expected a comparison operator, found {found}"));
            }
        };
        self.bump()?;
        let value_at = self.at;
        let value = match op {
            Operator::In => self.set_literal()?,
            _ => self.literal()?,
        };
        let ok = match op {
            Operator::Like | Operator::Matches | Operator::IsSubset | Operator::IsSuperset => {
                matches!(value, Literal::Str(_))
            }
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
                !matches!(value, Literal::Bool(_))
            }
            _ => true,
        };
        if !ok {
            return Err(PatternError {
                position: value_at,
                message: "this operator needs a string (LIKE, MATCHES, ISSUBSET, ISSUPERSET) or an orderable literal (<, >)".to_string(),
            });
        }
        Ok(ComparisonExpr::Test(Comparison {
            path,
            negated,
            op,
            value,
        }))
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match &self.tok {
            Tok::Ident(s) => s.clone(),
            other => {
                let found = describe(other);
                return self.err(format!(
                    "expected an object path such as domain-name:value, found {found}"
                ));
            }
        };
        self.bump()?;
        self.expect(&Tok::Colon, "':' after the object type")?;
        let mut components = vec![self.property()?];
        loop {
            match self.tok {
                Tok::Dot => {
                    self.bump()?;
                    components.push(self.property()?);
                }
                Tok::LBrack => {
                    self.bump()?;
                    let at = self.at;
                    let c = match self.bump()? {
                        Tok::Star => PathComponent::AnyIndex,
                        Tok::Int(n) => PathComponent::Index(n),
                        other => {
                            return self.err_at(
                                at,
                                format!(
                                    "expected an index or '*' in the object path, found {}",
                                    describe(&other)
                                ),
                            )
                        }
                    };
                    self.expect(&Tok::RBrack, "']' closing the index")?;
                    components.push(c);
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type,
            components,
        })
    }

    fn property(&mut self) -> Result<PathComponent, PatternError> {
        let at = self.at;
        match self.bump()? {
            Tok::Ident(s) | Tok::Str(s) => Ok(PathComponent::Property(s)),
            other => self.err_at(
                at,
                format!(
                    "expected a property name in the object path, found {}",
                    describe(&other)
                ),
            ),
        }
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        let v = match &self.tok {
            Tok::Str(s) => Literal::Str(s.clone()),
            Tok::Int(n) => Literal::Int(*n),
            Tok::Float(f) => Literal::Float(*f),
            Tok::Typed('h', s) => {
                if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return self.err("invalid hex literal");
                }
                Literal::Hex(s.clone())
            }
            Tok::Typed('b', s) => Literal::Binary(s.clone()),
            Tok::Typed(_, s) => Literal::Timestamp(s.clone()),
            Tok::Ident(s) if s == "true" => Literal::Bool(true),
            Tok::Ident(s) if s == "false" => Literal::Bool(false),
            other => {
                let found = describe(other);
                return self.err(format!(
                    "expected a literal value (e.g. 'text'), found {found}"
                ));
            }
        };
        self.bump()?;
        Ok(v)
    }

    fn set_literal(&mut self) -> Result<Literal, PatternError> {
        self.expect(&Tok::LParen, "'(' starting the IN set")?;
        let mut items = Vec::new();
        if self.tok != Tok::RParen {
            loop {
                items.push(self.literal()?);
                if self.tok == Tok::Comma {
                    self.bump()?;
                } else {
                    break;
                }
            }
        }
        self.expect(&Tok::RParen, "',' or ')' in the IN set")?;
        Ok(Literal::Set(items))
    }
}
