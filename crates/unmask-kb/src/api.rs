//! Sensitive APIs (`api/apis.tsv`), content URIs (`api/content-uris.tsv`) and sinks
//! (`api/sinks.tsv`).

use serde::Serialize;

use crate::category::{valid_subcategory, Category};
use crate::error::KbError;
use crate::lazy::{FxHashSet, HashIndex, Lazy};
use crate::permissions::{PermissionNames, PermissionReq};
use crate::tsv::{self, Row};

/// Whether a row names a method or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// A method (including constructors, `<init>`).
    Method,
    /// A (usually static) field.
    Field,
}

/// Whether an API is part of the Android framework or of a library bundled in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Android framework (boot class path).
    Framework,
    /// A library shipped inside the APK (Google Play services, AndroidX, OkHttp...): its code
    /// may be renamed by obfuscation, so absence of a match proves nothing.
    Library,
}

fn parse_origin(row: &Row<'_>) -> Result<Origin, KbError> {
    match row.req("origin")? {
        "framework" => Ok(Origin::Framework),
        "library" => Ok(Origin::Library),
        other => Err(row.error(format!(
            "column origin: unknown value {other:?} (expected framework or library)"
        ))),
    }
}

fn parse_kind(row: &Row<'_>) -> Result<MemberKind, KbError> {
    match row.req("kind")? {
        "method" => Ok(MemberKind::Method),
        "field" => Ok(MemberKind::Field),
        other => Err(row.error(format!(
            "column kind: unknown value {other:?} (expected method or field)"
        ))),
    }
}

/// Checks a DEX class descriptor such as `Landroid/telephony/TelephonyManager;`.
pub(crate) fn valid_class_descriptor(s: &str) -> bool {
    // One pass over the bytes: `L`, then no `. \t ( ) > ;` until the final `;`.
    let b = s.as_bytes();
    match (b.first(), b.split_last()) {
        (Some(b'L'), Some((b';', body))) if b.len() > 2 => body
            .iter()
            .all(|c| !matches!(c, b'.' | b' ' | b'\t' | b'(' | b')' | b'>' | b';')),
        _ => false,
    }
}

fn valid_member_name(s: &str) -> bool {
    !s.is_empty()
        && (s == "<init>"
            || s == "<clinit>"
            || s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$'))
}

fn parse_class<'a>(row: &Row<'a>, column: &str) -> Result<&'a str, KbError> {
    let class = row.req(column)?;
    if valid_class_descriptor(class) {
        Ok(class)
    } else {
        Err(row.error(format!(
            "column {column}: {class:?} is not a DEX class descriptor like Landroid/app/Activity;"
        )))
    }
}

fn parse_member<'a>(row: &Row<'a>) -> Result<&'a str, KbError> {
    let member = row.req("member")?;
    if valid_member_name(member) {
        Ok(member)
    } else {
        Err(row.error(format!("column member: invalid member name {member:?}")))
    }
}

/// Parses the `descriptor` column: `*` (any overload) or a method prototype in DEX form
/// (`(Ljava/lang/String;I)V`); `-` for fields.
fn parse_descriptor<'a>(row: &Row<'a>, kind: MemberKind) -> Result<Option<&'a str>, KbError> {
    let d = row.get("descriptor")?;
    match (kind, d) {
        (MemberKind::Field, "-") | (MemberKind::Method, "*") => Ok(None),
        (MemberKind::Method, d) if d.starts_with('(') && d.contains(')') => Ok(Some(d)),
        (MemberKind::Field, d) => {
            Err(row.error(format!("column descriptor: fields take -, found {d:?}")))
        }
        (MemberKind::Method, d) => Err(row.error(format!(
            "column descriptor: expected * or a prototype like (Ljava/lang/String;)V, found {d:?}"
        ))),
    }
}

fn parse_category<'a>(row: &Row<'a>) -> Result<(Category, &'a str), KbError> {
    let name = row.req("category")?;
    let category = Category::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        row.error(format!(
            "column category: unknown category {name:?} (known: {})",
            known.join(", ")
        ))
    })?;
    let sub = row.req("subcategory")?;
    if !valid_subcategory(category, sub) {
        return Err(row.error(format!(
            "column subcategory: {sub:?} must be {category} or {category}.<lowercase words>"
        )));
    }
    Ok((category, sub))
}

/// Index from `(class, member)` to row positions, without allocation on lookup.
#[derive(Debug, Clone, Default)]
struct MemberIndex {
    /// By `(class, member)`.
    members: HashIndex,
    /// By `class`.
    classes: HashIndex,
}

/// The `(class, member)` of a row, if it has one.
type MemberKey<T> = for<'r> fn(&'r T) -> Option<(&'r str, &'r str)>;

impl MemberIndex {
    fn build<T>(rows: &[T], key: MemberKey<T>) -> Self {
        MemberIndex {
            members: HashIndex::build(rows, key),
            classes: HashIndex::build(rows, |r| key(r).map(|(c, _)| c)),
        }
    }

    fn get<'t, T>(
        &'t self,
        rows: &'t [T],
        key: MemberKey<T>,
        class: &str,
        member: &str,
    ) -> impl Iterator<Item = &'t T> + 't {
        self.members
            .find(rows, key, (class, member))
            .filter_map(move |i| rows.get(i))
    }

    fn has_class<T>(&self, rows: &[T], key: MemberKey<T>, class: &str) -> bool {
        self.classes
            .find(rows, |r| key(r).map(|(c, _)| c), class)
            .next()
            .is_some()
    }
}

/// When a row applies (column `condition` of `api/apis.tsv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `-`: calling the method or reading the field is enough.
    Always,
    /// `callback`: the app overrides this method (in a class extending or implementing the
    /// declaring class) and receives the data as an argument.
    Callback,
    /// `arg:N=V1|V2`: only when declared parameter `N` (0-based, the receiver not counted)
    /// is one of the constants (string, or integer in decimal) — e.g. `Settings$Secure.getString`
    /// with `arg:1=android_id`.
    Arg {
        /// 0-based index of the declared parameter.
        index: u8,
        /// Accepted constant values, as written.
        values: Vec<String>,
    },
    /// `context`: depends on the receiver object or a runtime value (a password field, a
    /// path on shared storage, a sensor type); the note says what to check. Report only with
    /// that extra evidence.
    Context,
}

impl Condition {
    fn parse(row: &Row<'_>) -> Result<Self, KbError> {
        let text = row.get("condition")?;
        match text {
            "-" => return Ok(Condition::Always),
            "callback" => return Ok(Condition::Callback),
            "context" => return Ok(Condition::Context),
            _ => {}
        }
        let bad = || {
            row.error(format!(
                "column condition: {text:?} is not -, callback, context or arg:N=VALUE|VALUE"
            ))
        };
        let rest = text.strip_prefix("arg:").ok_or_else(bad)?;
        let (index, values) = rest.split_once('=').ok_or_else(bad)?;
        let index: u8 = index.parse().map_err(|_| bad())?;
        let values: Vec<String> = values.split('|').map(str::to_string).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad());
        }
        Ok(Condition::Arg { index, values })
    }

    /// Whether the row applies to any plain call or access, without further evidence.
    pub fn is_unconditional(&self) -> bool {
        matches!(self, Condition::Always)
    }
}

/// One row of `api/apis.tsv`: a framework or library member that reads personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRow {
    /// Method or field.
    pub kind: MemberKind,
    /// Declaring class in DEX form, e.g. `Landroid/telephony/TelephonyManager;`.
    pub class: String,
    /// Method or field name (`<init>` for constructors).
    pub member: String,
    /// Method prototype in DEX form (`(Ljava/lang/String;)V`), or `None` for any overload
    /// (`*` in the file) and for fields.
    pub descriptor: Option<String>,
    /// Data category.
    pub category: Category,
    /// Finer category, `category` or `category.<word>`, e.g. `device_id.imei`.
    pub subcategory: String,
    /// Permissions the caller needs (empty when none or when the value comes from an object
    /// obtained elsewhere).
    pub permissions: PermissionReq,
    /// When the row applies (always, as a callback, for given argument constants, or only
    /// with context).
    pub condition: Condition,
    /// Framework or bundled library.
    pub origin: Origin,
    /// Short note (argument dependencies, API levels), if any.
    pub note: Option<String>,
    /// Line in the source file.
    pub line: usize,
}

/// The sensitive-API table, indexed by `(class, member)`.
#[derive(Debug, Clone, Default)]
pub struct ApiTable {
    data: Lazy<ApiData>,
}

#[derive(Debug, Clone, Default)]
struct ApiData {
    rows: Vec<ApiRow>,
    index: MemberIndex,
}

fn api_key(r: &ApiRow) -> Option<(&str, &str)> {
    Some((&r.class, &r.member))
}

impl ApiTable {
    /// Column names of `api/apis.tsv`.
    pub const HEADER: &'static [&'static str] = &[
        "kind",
        "class",
        "member",
        "descriptor",
        "category",
        "subcategory",
        "permissions",
        "condition",
        "origin",
        "note",
    ];

    /// Parses the table now; permission names are checked against `perms` when given.
    pub(crate) fn parse(
        file: &str,
        text: &str,
        perms: Option<&PermissionNames>,
    ) -> Result<Self, KbError> {
        Ok(ApiTable {
            data: Lazy::ready(ApiData::parse(file, text, perms, true)?),
        })
    }

    /// The table of an embedded text, parsed on first use.
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        ApiTable {
            data: Lazy::deferred(file, text, |f, t| {
                ApiData::parse(f, t, None, false).unwrap_or_default()
            }),
        }
    }

    fn data(&self) -> &ApiData {
        self.data.get()
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[ApiRow] {
        &self.data().rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    /// Every row for `class` and `member` (methods and fields, all overloads).
    pub fn lookup<'t>(
        &'t self,
        class: &str,
        member: &str,
    ) -> impl Iterator<Item = &'t ApiRow> + 't {
        let d = self.data();
        d.index.get(&d.rows, api_key, class, member)
    }

    /// Rows matching a method call site: `class` and `name` in DEX form and the callee's
    /// prototype (`(Ljava/lang/String;)V`); rows with descriptor `*` match any prototype.
    pub fn lookup_method<'t>(
        &'t self,
        class: &str,
        name: &str,
        proto: &'t str,
    ) -> impl Iterator<Item = &'t ApiRow> + 't {
        self.lookup(class, name).filter(move |r| {
            r.kind == MemberKind::Method && r.descriptor.as_deref().is_none_or(|d| d == proto)
        })
    }

    /// Rows matching a field access.
    pub fn lookup_field<'t>(
        &'t self,
        class: &str,
        name: &str,
    ) -> impl Iterator<Item = &'t ApiRow> + 't {
        self.lookup(class, name)
            .filter(|r| r.kind == MemberKind::Field)
    }

    /// Whether any row is declared on `class` (a cheap pre-filter).
    pub fn has_class(&self, class: &str) -> bool {
        let d = self.data();
        d.index.has_class(&d.rows, api_key, class)
    }

    /// Rows of one category.
    pub fn by_category(&self, category: Category) -> impl Iterator<Item = &ApiRow> {
        self.rows().iter().filter(move |r| r.category == category)
    }
}

impl ApiData {
    /// Parses the table; `check` also rejects duplicate rows. The embedded table is parsed
    /// without (a scan parses it on first use; [`crate::Kb::embedded_checked`], run by the
    /// tests, checks it), which saves hashing every row.
    fn parse(
        file: &str,
        text: &str,
        perms: Option<&PermissionNames>,
        check: bool,
    ) -> Result<Self, KbError> {
        // About 160 bytes a row.
        let mut rows = Vec::with_capacity(text.len() / 128);
        let mut seen = FxHashSet::default();
        if check {
            seen.reserve(text.len() / 128);
        }
        for row in tsv::parse(file, text, ApiTable::HEADER)? {
            let row = row?;
            let kind = parse_kind(&row)?;
            let class = parse_class(&row, "class")?;
            let member = parse_member(&row)?;
            let descriptor = parse_descriptor(&row, kind)?;
            let (category, subcategory) = parse_category(&row)?;
            let permissions = PermissionReq::parse(&row, "permissions", perms)?;
            let condition = Condition::parse(&row)?;
            if kind == MemberKind::Field && condition != Condition::Always {
                return Err(row.error("column condition: fields take -"));
            }
            let origin = parse_origin(&row)?;
            if check && !seen.insert((kind, class, member, descriptor, subcategory)) {
                return Err(row.error(format!(
                    "duplicate row: {class}->{member} {} with subcategory {subcategory} already listed",
                    descriptor.unwrap_or("*")
                )));
            }
            rows.push(ApiRow {
                kind,
                class: class.to_string(),
                member: member.to_string(),
                descriptor: descriptor.map(str::to_string),
                category,
                subcategory: subcategory.to_string(),
                permissions,
                condition,
                origin,
                note: row.opt("note")?.map(str::to_string),
                line: row.line,
            });
        }
        let index = MemberIndex::build(&rows, api_key);
        Ok(ApiData { rows, index })
    }
}

/// What a content-URI row matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UriPattern {
    /// A `content://` URI prefix, matched at a path boundary (`content://sms` matches
    /// `content://sms/inbox` but not `content://smsfoo`).
    Uri {
        /// The prefix.
        prefix: String,
    },
    /// A provider authority (`com.android.contacts`).
    Authority {
        /// The authority.
        authority: String,
    },
    /// A static field holding such a URI (`Landroid/provider/CallLog$Calls;->CONTENT_URI`).
    Field {
        /// Declaring class, DEX form.
        class: String,
        /// Field name.
        name: String,
    },
    /// A static method building such a URI (`Landroid/provider/MediaStore$Files;->getContentUri`).
    Method {
        /// Declaring class, DEX form.
        class: String,
        /// Method name.
        name: String,
    },
}

/// One row of `api/content-uris.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentUriRow {
    /// What is matched.
    pub pattern: UriPattern,
    /// Data category.
    pub category: Category,
    /// Finer category.
    pub subcategory: String,
    /// Permissions needed to read the provider.
    pub permissions: PermissionReq,
    /// Short note, if any.
    pub note: Option<String>,
    /// Line in the source file.
    pub line: usize,
}

/// Sensitive content-provider URIs, authorities and the members that hold them.
#[derive(Debug, Clone, Default)]
pub struct ContentUriTable {
    data: Lazy<ContentUriData>,
}

#[derive(Debug, Clone, Default)]
struct ContentUriData {
    rows: Vec<ContentUriRow>,
    by_prefix: HashIndex,
    by_authority: HashIndex,
    members: MemberIndex,
}

fn uri_prefix(r: &ContentUriRow) -> Option<&str> {
    match &r.pattern {
        UriPattern::Uri { prefix } => Some(prefix),
        _ => None,
    }
}

fn uri_authority(r: &ContentUriRow) -> Option<&str> {
    match &r.pattern {
        UriPattern::Authority { authority } => Some(authority),
        _ => None,
    }
}

fn uri_member(r: &ContentUriRow) -> Option<(&str, &str)> {
    match &r.pattern {
        UriPattern::Field { class, name } | UriPattern::Method { class, name } => {
            Some((class, name))
        }
        _ => None,
    }
}

fn split_member<'a>(row: &Row<'a>, value: &'a str) -> Result<(&'a str, &'a str), KbError> {
    let (class, name) = value.split_once("->").ok_or_else(|| {
        row.error(format!(
            "column value: {value:?} must be Lclass;->member for kind field/method"
        ))
    })?;
    if !valid_class_descriptor(class) || !valid_member_name(name) {
        return Err(row.error(format!(
            "column value: {value:?} is not Lpkg/Class;->member"
        )));
    }
    Ok((class, name))
}

impl ContentUriTable {
    /// Column names of `api/content-uris.tsv`.
    pub const HEADER: &'static [&'static str] = &[
        "kind",
        "value",
        "category",
        "subcategory",
        "permissions",
        "note",
    ];

    /// Parses the table now; permission names are checked against `perms` when given.
    pub(crate) fn parse(
        file: &str,
        text: &str,
        perms: Option<&PermissionNames>,
    ) -> Result<Self, KbError> {
        Ok(ContentUriTable {
            data: Lazy::ready(ContentUriData::parse(file, text, perms)?),
        })
    }

    /// The table of an embedded text, parsed on first use.
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        ContentUriTable {
            data: Lazy::deferred(file, text, |f, t| {
                ContentUriData::parse(f, t, None).unwrap_or_default()
            }),
        }
    }

    fn data(&self) -> &ContentUriData {
        self.data.get()
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[ContentUriRow] {
        &self.data().rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    /// The most specific row for a URI string: the longest `uri` prefix that matches at a
    /// boundary (end, `/`, `?` or `#`), else the row of the URI's authority.
    pub fn match_uri(&self, uri: &str) -> Option<&ContentUriRow> {
        let d = self.data();
        let mut end = uri.len();
        loop {
            let prefix = uri.get(..end)?;
            let boundary = matches!(uri.as_bytes().get(end), None | Some(b'/' | b'?' | b'#'));
            if boundary {
                let found = d.by_prefix.find(&d.rows, uri_prefix, prefix).next();
                if let Some(row) = found.and_then(|i| d.rows.get(i)) {
                    return Some(row);
                }
            }
            match prefix.rfind(['/', '?', '#']) {
                Some(pos) if pos > "content://".len() => end = pos,
                _ => break,
            }
        }
        let rest = uri.strip_prefix("content://")?;
        let authority = rest.split(['/', '?', '#']).next()?;
        let authority = authority.rsplit('@').next()?;
        self.by_authority(authority)
    }

    /// The row of a provider authority (exact match).
    pub fn by_authority(&self, authority: &str) -> Option<&ContentUriRow> {
        let d = self.data();
        let i = d
            .by_authority
            .find(&d.rows, uri_authority, authority)
            .next()?;
        d.rows.get(i)
    }

    /// The row of a static field or method (DEX class form) that yields a sensitive URI.
    pub fn by_member(&self, class: &str, name: &str) -> Option<&ContentUriRow> {
        let d = self.data();
        d.members.get(&d.rows, uri_member, class, name).next()
    }

    /// The `uri` prefixes, for scanning strings.
    pub fn uri_prefixes(&self) -> impl Iterator<Item = (&str, &ContentUriRow)> {
        self.rows().iter().filter_map(|r| Some((uri_prefix(r)?, r)))
    }
}

impl ContentUriData {
    fn parse(file: &str, text: &str, perms: Option<&PermissionNames>) -> Result<Self, KbError> {
        let mut rows = Vec::new();
        // Values already seen, by kind (`uri`, `authority`, and `member` for both others).
        let mut seen: FxHashSet<(&str, &str)> = FxHashSet::default();
        for row in tsv::parse(file, text, ContentUriTable::HEADER)? {
            let row = row?;
            let value = row.req("value")?;
            let dup = |what: &str| row.error(format!("duplicate {what} {value:?}"));
            let pattern = match row.req("kind")? {
                "uri" => {
                    let rest = value.strip_prefix("content://").ok_or_else(|| {
                        row.error(format!("column value: URI {value:?} must start with content://"))
                    })?;
                    if rest.is_empty() || rest.ends_with('/') || rest.contains(char::is_whitespace) {
                        return Err(row.error(format!(
                            "column value: URI {value:?} must have an authority, no trailing / and no spaces"
                        )));
                    }
                    if !seen.insert(("URI", value)) {
                        return Err(dup("URI"));
                    }
                    UriPattern::Uri { prefix: value.to_string() }
                }
                "authority" => {
                    if value.contains(['/', ':', ' ']) {
                        return Err(row.error(format!(
                            "column value: authority {value:?} must not contain /, : or spaces"
                        )));
                    }
                    if !seen.insert(("authority", value)) {
                        return Err(dup("authority"));
                    }
                    UriPattern::Authority { authority: value.to_string() }
                }
                kind @ ("field" | "method") => {
                    let (class, name) = split_member(&row, value)?;
                    if !seen.insert(("member", value)) {
                        return Err(dup("member"));
                    }
                    if kind == "field" {
                        UriPattern::Field { class: class.to_string(), name: name.to_string() }
                    } else {
                        UriPattern::Method { class: class.to_string(), name: name.to_string() }
                    }
                }
                other => {
                    return Err(row.error(format!(
                        "column kind: unknown value {other:?} (expected uri, authority, field or method)"
                    )))
                }
            };
            let (category, subcategory) = parse_category(&row)?;
            if category == Category::ContentProvider {
                return Err(row.error("column category: content_provider is only for API rows"));
            }
            let permissions = PermissionReq::parse(&row, "permissions", perms)?;
            rows.push(ContentUriRow {
                pattern,
                category,
                subcategory: subcategory.to_string(),
                permissions,
                note: row.opt("note")?.map(str::to_string),
                line: row.line,
            });
        }
        Ok(ContentUriData {
            by_prefix: HashIndex::build(&rows, uri_prefix),
            by_authority: HashIndex::build(&rows, uri_authority),
            members: MemberIndex::build(&rows, uri_member),
            rows,
        })
    }
}

/// Where a sink sends data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkKind {
    /// Network (HTTP, sockets, WebView, cloud databases...).
    Network,
    /// SMS / MMS sending.
    Sms,
    /// Files, preferences, databases.
    Files,
    /// Logs (logcat, stdout).
    Logs,
    /// Inter-process communication (intents, broadcasts, services).
    Ipc,
    /// Clipboard writes.
    Clipboard,
}

impl SinkKind {
    /// Every sink kind.
    pub const ALL: &'static [SinkKind] = &[
        SinkKind::Network,
        SinkKind::Sms,
        SinkKind::Files,
        SinkKind::Logs,
        SinkKind::Ipc,
        SinkKind::Clipboard,
    ];

    /// Name used in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            SinkKind::Network => "network",
            SinkKind::Sms => "sms",
            SinkKind::Files => "files",
            SinkKind::Logs => "logs",
            SinkKind::Ipc => "ipc",
            SinkKind::Clipboard => "clipboard",
        }
    }

    /// Parses a name used in the data file.
    pub fn parse(name: &str) -> Option<SinkKind> {
        SinkKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// One row of `api/sinks.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinkRow {
    /// Method or field.
    pub kind: MemberKind,
    /// Declaring class, DEX form.
    pub class: String,
    /// Member name.
    pub member: String,
    /// Prototype, `None` for any overload.
    pub descriptor: Option<String>,
    /// Where data goes.
    pub sink: SinkKind,
    /// Finer kind, `<sink>.<word>`, e.g. `network.http`.
    pub subkind: String,
    /// Framework or bundled library.
    pub origin: Origin,
    /// Short note, if any.
    pub note: Option<String>,
    /// Line in the source file.
    pub line: usize,
}

/// Sinks indexed by `(class, member)`.
#[derive(Debug, Clone, Default)]
pub struct SinkTable {
    data: Lazy<SinkData>,
}

#[derive(Debug, Clone, Default)]
struct SinkData {
    rows: Vec<SinkRow>,
    index: MemberIndex,
}

fn sink_key(r: &SinkRow) -> Option<(&str, &str)> {
    Some((&r.class, &r.member))
}

impl SinkTable {
    /// Column names of `api/sinks.tsv`.
    pub const HEADER: &'static [&'static str] = &[
        "kind",
        "class",
        "member",
        "descriptor",
        "sink",
        "subkind",
        "origin",
        "note",
    ];

    /// Parses the table now.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        Ok(SinkTable {
            data: Lazy::ready(SinkData::parse(file, text)?),
        })
    }

    /// The table of an embedded text, parsed on first use.
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        SinkTable {
            data: Lazy::deferred(file, text, |f, t| SinkData::parse(f, t).unwrap_or_default()),
        }
    }

    fn data(&self) -> &SinkData {
        self.data.get()
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[SinkRow] {
        &self.data().rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    /// Rows for `class` and `member` (any kind, any overload).
    pub fn lookup<'t>(
        &'t self,
        class: &str,
        member: &str,
    ) -> impl Iterator<Item = &'t SinkRow> + 't {
        let d = self.data();
        d.index.get(&d.rows, sink_key, class, member)
    }

    /// Rows matching a method call with prototype `proto`; `*` rows match any prototype.
    pub fn lookup_method<'t>(
        &'t self,
        class: &str,
        name: &str,
        proto: &'t str,
    ) -> impl Iterator<Item = &'t SinkRow> + 't {
        self.lookup(class, name).filter(move |r| {
            r.kind == MemberKind::Method && r.descriptor.as_deref().is_none_or(|d| d == proto)
        })
    }

    /// Whether any sink is declared on `class`.
    pub fn has_class(&self, class: &str) -> bool {
        let d = self.data();
        d.index.has_class(&d.rows, sink_key, class)
    }
}

impl SinkData {
    fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        let mut rows = Vec::new();
        let mut seen = FxHashSet::default();
        for row in tsv::parse(file, text, SinkTable::HEADER)? {
            let row = row?;
            let kind = parse_kind(&row)?;
            let class = parse_class(&row, "class")?;
            let member = parse_member(&row)?;
            let descriptor = parse_descriptor(&row, kind)?;
            let sink_name = row.req("sink")?;
            let sink = SinkKind::parse(sink_name).ok_or_else(|| {
                row.error(format!(
                    "column sink: unknown sink kind {sink_name:?} (expected network, sms, files, logs, ipc or clipboard)"
                ))
            })?;
            let subkind = row.req("subkind")?;
            let ok_sub = subkind
                .strip_prefix(sink.as_str())
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| {
                    !r.is_empty()
                        && r.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                });
            if !ok_sub {
                return Err(row.error(format!(
                    "column subkind: {subkind:?} must be {sink_name}.<lowercase word>"
                )));
            }
            if !seen.insert((kind, class, member, descriptor)) {
                return Err(row.error(format!(
                    "duplicate row: {class}->{member} {} already listed",
                    descriptor.unwrap_or("*")
                )));
            }
            let origin = parse_origin(&row)?;
            rows.push(SinkRow {
                kind,
                class: class.to_string(),
                member: member.to_string(),
                descriptor: descriptor.map(str::to_string),
                sink,
                subkind: subkind.to_string(),
                origin,
                note: row.opt("note")?.map(str::to_string),
                line: row.line,
            });
        }
        let index = MemberIndex::build(&rows, sink_key);
        Ok(SinkData { rows, index })
    }
}
