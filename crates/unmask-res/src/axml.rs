//! Binary XML (`ResXMLTree`) reader.

use crate::attr::android_attr_name;
use crate::chunk::{
    u16_at, u32_at, u8_at, ChunkHeader, ChunkIter, RES_STRING_POOL_TYPE, RES_XML_CDATA_TYPE,
    RES_XML_END_ELEMENT_TYPE, RES_XML_END_NAMESPACE_TYPE, RES_XML_FIRST_CHUNK_TYPE,
    RES_XML_LAST_CHUNK_TYPE, RES_XML_RESOURCE_MAP_TYPE, RES_XML_START_ELEMENT_TYPE,
    RES_XML_START_NAMESPACE_TYPE, RES_XML_TYPE,
};
use crate::string_pool::StringPool;
use crate::{
    value, Anomalies, Attribute, Element, Namespace, ResError, SharedStr, Value, XmlDocument,
};

/// The Android namespace URI.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

/// Elements nested deeper than this are dropped (with an anomaly) to keep the tree,
/// its `Drop` and its serialisation within a small stack.
pub const MAX_DEPTH: usize = 256;

const NO_INDEX: u32 = 0xffff_ffff;

struct Ctx<'a> {
    pool: StringPool<'a>,
    res_ids: &'a [u8],
    an: Anomalies,
    /// Repeated anomaly kinds, summarised at the end: (kind, count, first example).
    counted: Vec<(&'static str, usize, String)>,
    /// Code units / bytes of string text we may still decode (see [`STRING_BUDGET_MIN`]).
    budget: usize,
    /// Pool strings decoded in full so far, by index (one slot per string the pool holds,
    /// so bounded by the chunk's size): each distinct string is decoded once and shared.
    cache: Vec<Option<Decoded>>,
}

/// A pool string decoded in full, with what [`Ctx::string`] reports about it on each use.
struct Decoded {
    text: SharedStr,
    /// Code units (UTF-16) or bytes (UTF-8) in the pool: compared with the caller's limit.
    units: usize,
    unterminated: bool,
    has_nul: bool,
}

/// Total string text decoded for one document is bounded by
/// `max(STRING_BUDGET_MIN, STRING_BUDGET_FACTOR * input length)`: many attributes can point
/// at one huge string, which would otherwise make output size quadratic in the input. Past
/// the budget, strings are cut to [`STRING_CUT`] units and an anomaly is recorded.
pub const STRING_BUDGET_MIN: usize = 1 << 20;
/// See [`STRING_BUDGET_MIN`].
pub const STRING_BUDGET_FACTOR: usize = 8;
/// See [`STRING_BUDGET_MIN`].
pub const STRING_CUT: usize = 256;

impl Ctx<'_> {
    fn count(&mut self, kind: &'static str, example: impl FnOnce() -> String) {
        if let Some(e) = self.counted.iter_mut().find(|e| e.0 == kind) {
            e.1 = e.1.saturating_add(1);
        } else {
            self.counted.push((kind, 1, example()));
        }
    }

    fn finish(mut self) -> Vec<String> {
        for (kind, n, ex) in std::mem::take(&mut self.counted) {
            self.an.push(format!("{kind}: {n} time(s), first: {ex}"));
        }
        self.an.into_vec()
    }

    /// Pool string `idx`, within the decoding budget. Behaves exactly as decoding the string
    /// afresh on every use (same text, same budget charged, same anomalies), but a string
    /// decoded in full once is shared instead of decoded again.
    fn string(&mut self, idx: u32) -> Option<SharedStr> {
        if idx == NO_INDEX {
            return None;
        }
        let max = if self.budget > 0 {
            self.budget
        } else {
            STRING_CUT
        };
        let slot = idx as usize;
        if let Some(Some(d)) = self.cache.get(slot) {
            if d.units <= max {
                let (text, unterminated, has_nul) = (d.text.clone(), d.unterminated, d.has_nul);
                self.note_use(idx, &text, false, unterminated, has_nul);
                return Some(text);
            }
        }
        match self.pool.get_limited(idx, max) {
            Some(s) => {
                let has_nul = s.text.contains('\0');
                let text = SharedStr::from(s.text);
                if !s.limited {
                    if self.cache.is_empty() {
                        self.cache.resize_with(self.pool.len(), || None);
                    }
                    if let Some(c) = self.cache.get_mut(slot) {
                        *c = Some(Decoded {
                            text: text.clone(),
                            units: s.units,
                            unterminated: s.unterminated,
                            has_nul,
                        });
                    }
                }
                self.note_use(idx, &text, s.limited, s.unterminated, has_nul);
                Some(text)
            }
            None => {
                self.an.push(format!(
                    "string index {idx} out of range of the string pool"
                ));
                None
            }
        }
    }

    /// Charges one use of a pool string to the budget and counts its anomalies.
    fn note_use(&mut self, idx: u32, text: &str, limited: bool, unterminated: bool, has_nul: bool) {
        self.budget = self.budget.saturating_sub(text.len());
        if limited {
            self.count(
                "string decoding budget exhausted; strings cut short",
                || format!("string #{idx}"),
            );
        }
        if has_nul {
            self.count("string contains NUL character(s)", || {
                format!("string #{idx} {:?}", short(text))
            });
        }
        if unterminated {
            self.count(
                "string not NUL-terminated (libandroidfw rejects it)",
                || format!("string #{idx}"),
            );
        }
    }

    fn res_id(&self, name_idx: u32) -> Option<u32> {
        let off = (name_idx as usize).checked_mul(4)?;
        u32_at(self.res_ids, off).filter(|&id| id != 0)
    }
}

/// At most 48 characters of `s`, for anomaly messages (names can be megabytes long).
fn short(s: &str) -> String {
    match s.char_indices().nth(48) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

/// Parses binary XML. See [`crate::parse_xml`].
pub fn parse(data: &[u8]) -> Result<XmlDocument, ResError> {
    let h = ChunkHeader::read(data, 0).ok_or_else(|| {
        ResError::Malformed(format!(
            "binary XML: {} bytes is too short for a chunk header",
            data.len()
        ))
    })?;
    let mut an = Anomalies::default();
    if h.typ != RES_XML_TYPE {
        an.push(format!(
            "file chunk type {:#06x} is not RES_XML_TYPE (0x0003)",
            h.typ
        ));
    }
    let hs = usize::from(h.header_size);
    let start = if hs != 8 {
        if hs >= 8 && hs <= data.len() {
            an.push(format!("file header size {hs} (expected 8)"));
            hs
        } else {
            an.push(format!("file header size {hs} is invalid; using 8"));
            8
        }
    } else {
        8
    };
    let declared = h.size as usize;
    let end = crate::chunk::top_level_end(
        declared,
        start,
        data.len(),
        ("file", "file", "document"),
        &mut an,
    );

    let mut ctx = Ctx {
        pool: StringPool::default(),
        res_ids: &[],
        an,
        counted: Vec::new(),
        budget: STRING_BUDGET_MIN.max(data.len().saturating_mul(STRING_BUDGET_FACTOR)),
        cache: Vec::new(),
    };
    let mut have_pool = false;
    let mut in_body = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut skipped_depth: usize = 0;
    let mut root: Option<Element> = None;
    let mut namespaces: Vec<Namespace> = Vec::new();
    let mut open_ns: usize = 0;
    let mut seen_xml_node = false;

    let mut iter = ChunkIter::new(data, start, end);
    for (off, ch, bytes) in iter.by_ref() {
        match ch.typ {
            RES_STRING_POOL_TYPE => {
                if in_body {
                    ctx.an
                        .push("string pool after the first XML node ignored".to_string());
                } else if have_pool {
                    ctx.an
                        .push("multiple string pools; only the first is used".to_string());
                } else {
                    let mut v = Vec::new();
                    ctx.pool = StringPool::new(bytes, &mut v);
                    if ctx.pool.style_count() > 0 {
                        v.push(format!(
                            "string pool has {} style span entries (unused in a manifest)",
                            ctx.pool.style_count()
                        ));
                    }
                    for a in v {
                        ctx.an.push(a);
                    }
                    have_pool = true;
                }
            }
            RES_XML_RESOURCE_MAP_TYPE => {
                if in_body {
                    ctx.an
                        .push("resource map after the first XML node ignored".to_string());
                } else {
                    if !ctx.res_ids.is_empty() {
                        ctx.an
                            .push("multiple resource maps; the last one is used".to_string());
                    }
                    let body = bytes.get(usize::from(ch.header_size)..).unwrap_or(&[]);
                    let n = body.len() / 4 * 4;
                    ctx.res_ids = body.get(..n).unwrap_or(&[]);
                }
            }
            RES_XML_FIRST_CHUNK_TYPE..=RES_XML_LAST_CHUNK_TYPE => {
                in_body = true;
                seen_xml_node = true;
                if ch.header_size < 16 {
                    ctx.an.push(format!(
                        "XML node at {off:#x} has header size {} < 16; Android stops parsing here, so do we",
                        ch.header_size
                    ));
                    break;
                }
                if ch.header_size != 16 {
                    ctx.an.push(format!(
                        "XML node header size {} (expected 16)",
                        ch.header_size
                    ));
                }
                let line = u32_at(bytes, 8).unwrap_or(0);
                let comment = u32_at(bytes, 12).unwrap_or(NO_INDEX);
                if comment != NO_INDEX {
                    ctx.an.push("XML comment(s) present".to_string());
                }
                let ext = bytes.get(usize::from(ch.header_size)..).unwrap_or(&[]);
                // The same bytes up to the end of the document: Android reads attributes
                // through the attribute header without checking them against the node size.
                let ext_doc = off
                    .checked_add(usize::from(ch.header_size))
                    .and_then(|s| data.get(s..end))
                    .unwrap_or(&[]);
                match ch.typ {
                    RES_XML_START_NAMESPACE_TYPE => {
                        let prefix = ctx.string(u32_at(ext, 0).unwrap_or(NO_INDEX));
                        let uri = ctx.string(u32_at(ext, 4).unwrap_or(NO_INDEX));
                        let ns = Namespace {
                            prefix: prefix.map(String::from).unwrap_or_default(),
                            uri: uri.map(String::from).unwrap_or_default(),
                        };
                        if namespaces.iter().any(|n| n.uri == ns.uri) {
                            ctx.an.push(format!(
                                "namespace {:?} declared more than once",
                                short(&ns.uri)
                            ));
                        } else if ns.uri != ANDROID_NS {
                            ctx.an.push(format!(
                                "extra namespace {}={:?} declared",
                                short(&ns.prefix),
                                short(&ns.uri)
                            ));
                        }
                        if namespaces.len() < 1024 {
                            namespaces.push(ns);
                        }
                        open_ns = open_ns.saturating_add(1);
                    }
                    RES_XML_END_NAMESPACE_TYPE => {
                        if open_ns == 0 {
                            ctx.an
                                .push("end namespace without a start namespace".to_string());
                        }
                        open_ns = open_ns.saturating_sub(1);
                    }
                    RES_XML_START_ELEMENT_TYPE => {
                        let Some(el) = read_element(&mut ctx, ext, ext_doc, line, off) else {
                            break;
                        };
                        if stack.len() >= MAX_DEPTH || skipped_depth > 0 {
                            ctx.an
                                .push(format!("elements nested deeper than {MAX_DEPTH} dropped"));
                            skipped_depth = skipped_depth.saturating_add(1);
                        } else {
                            if stack.is_empty() && root.is_some() {
                                ctx.an.push(
                                    "more than one root element; only the first is kept"
                                        .to_string(),
                                );
                            }
                            stack.push(el);
                        }
                    }
                    RES_XML_END_ELEMENT_TYPE => {
                        if skipped_depth > 0 {
                            skipped_depth = skipped_depth.saturating_sub(1);
                            continue;
                        }
                        let name_idx = u32_at(ext, 4).unwrap_or(NO_INDEX);
                        let Some(el) = stack.pop() else {
                            ctx.an
                                .push("end element without a matching start element".to_string());
                            continue;
                        };
                        // The usual case, the start element's own (already decoded) name, needs
                        // no decoding; any other is decoded just past the start name's length.
                        let cached_same = matches!(
                            ctx.cache.get(name_idx as usize),
                            Some(Some(d)) if d.text == el.name
                        );
                        if !cached_same {
                            let end_name = ctx
                                .pool
                                .get_limited(name_idx, el.name.len().saturating_add(1))
                                .map(|s| s.text)
                                .unwrap_or_default();
                            if end_name != el.name {
                                ctx.an.push(format!(
                                    "end element </{}> closes <{}>",
                                    short(&end_name),
                                    short(&el.name)
                                ));
                            }
                        }
                        close(el, &mut stack, &mut root);
                    }
                    RES_XML_CDATA_TYPE => {
                        // ResXMLTree_cdataExt: the text is a string-pool reference. Kept as the
                        // element's text (network security configs use it) and noted, since
                        // manifests have none.
                        ctx.an.push("text (CDATA) chunk present".to_string());
                        if let Some(parent) = stack.last_mut() {
                            let room = crate::MAX_ELEMENT_TEXT.saturating_sub(parent.text.len());
                            if let Some(s) = ctx
                                .pool
                                .get_limited(u32_at(ext, 0).unwrap_or(NO_INDEX), room)
                            {
                                let mut end = s.text.len().min(room);
                                while !s.text.is_char_boundary(end) {
                                    end = end.saturating_sub(1);
                                }
                                parent.text.push_str(s.text.get(..end).unwrap_or(""));
                            }
                        } else {
                            ctx.an
                                .push("text (CDATA) chunk outside any element".to_string());
                        }
                    }
                    other => {
                        ctx.an
                            .push(format!("unknown XML node type {other:#06x} skipped"));
                    }
                }
            }
            other => {
                ctx.an.push(format!(
                    "unknown chunk type {other:#06x} at offset {off:#x} skipped"
                ));
            }
        }
    }
    if let Some(why) = iter.bad {
        ctx.an.push(format!("chunk walk stopped: {why}"));
    }
    if !stack.is_empty() {
        ctx.an
            .push(format!("{} element(s) never closed", stack.len()));
        while let Some(el) = stack.pop() {
            close(el, &mut stack, &mut root);
        }
    }
    if root.is_none() && (h.typ != RES_XML_TYPE || !seen_xml_node) && !have_pool {
        return Err(ResError::Malformed(format!(
            "not binary XML: chunk type {:#06x}, no string pool and no element",
            h.typ
        )));
    }
    Ok(XmlDocument {
        root,
        namespaces,
        anomalies: ctx.finish(),
    })
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(el);
    } else if root.is_none() {
        *root = Some(el);
    }
}

fn read_element(
    ctx: &mut Ctx<'_>,
    ext: &[u8],
    ext_doc: &[u8],
    line: u32,
    off: usize,
) -> Option<Element> {
    if ext.len() < 20 {
        ctx.an.push(format!(
            "start element at {off:#x} too short for its attribute header; Android stops parsing here, so do we"
        ));
        return None;
    }
    let ns = ctx.string(u32_at(ext, 0).unwrap_or(NO_INDEX));
    let name = ctx
        .string(u32_at(ext, 4).unwrap_or(NO_INDEX))
        .unwrap_or_default();
    let attr_start = usize::from(u16_at(ext, 8).unwrap_or(0));
    let attr_size = usize::from(u16_at(ext, 10).unwrap_or(0));
    let attr_count = usize::from(u16_at(ext, 12).unwrap_or(0));
    if attr_start != 20 {
        ctx.an.push(format!(
            "element <{}> attributeStart {attr_start} (expected 20)",
            short(&name)
        ));
    }
    if attr_size != 20 && attr_count > 0 {
        ctx.an.push(format!(
            "element <{}> attributeSize {attr_size} (expected 20)",
            short(&name)
        ));
    }
    let mut attributes = Vec::new();
    if attr_count > 0 {
        let need = attr_size
            .checked_mul(attr_count)
            .and_then(|n| n.checked_add(attr_start));
        let fits = need.is_some_and(|e| e <= ext_doc.len());
        if fits && need.is_some_and(|e| e > ext.len()) {
            ctx.an.push(format!(
                "element <{}>: attributes extend past the end of their chunk (Android still reads them)", short(&name)
            ));
        }
        let ext = ext_doc;
        if attr_size < 20 || !fits {
            ctx.an.push(format!(
                "element <{}>: {attr_count} attribute(s) of size {attr_size} do not fit; dropped",
                short(&name)
            ));
        } else {
            // attr_count entries fit in the document (checked above): a bounded reservation.
            attributes.reserve_exact(attr_count);
            for i in 0..attr_count {
                let Some(a_off) = i
                    .checked_mul(attr_size)
                    .and_then(|x| x.checked_add(attr_start))
                else {
                    break;
                };
                let Some(a) = ext.get(a_off..) else { break };
                if let Some(attr) = read_attribute(ctx, a, &name) {
                    attributes.push(attr);
                }
            }
        }
    }
    Some(Element {
        namespace: ns,
        name,
        attributes,
        children: Vec::new(),
        line,
        text: String::new(),
    })
}

fn read_attribute(ctx: &mut Ctx<'_>, a: &[u8], elem_name: &str) -> Option<Attribute> {
    let ns_idx = u32_at(a, 0)?;
    let name_idx = u32_at(a, 4)?;
    let raw_idx = u32_at(a, 8)?;
    let vsize = u16_at(a, 12)?;
    let data_type = u8_at(a, 15)?;
    let data = u32_at(a, 16)?;
    // Names for anomaly messages are shortened only when a message is written.
    let elem = || short(elem_name);
    if vsize != 8 {
        ctx.count("attribute Res_value size is not 8", || {
            format!("size {vsize} in <{}>", elem())
        });
    }
    let namespace = ctx.string(ns_idx);
    let pool_name = ctx.string(name_idx).unwrap_or_default();
    let resource_id = ctx.res_id(name_idx);
    let raw_value = ctx.string(raw_idx);
    let value = if data_type == value::TYPE_STRING {
        match ctx.string(data) {
            Some(s) => Value::String(s),
            None => Value::Other { data_type, data },
        }
    } else {
        value::decode(data_type, data, &StringPool::default())
    };
    let mut name = pool_name.clone();
    let pn = || short(&pool_name);
    match resource_id {
        Some(id) => {
            if let Some(canon) = android_attr_name(id) {
                if pool_name != canon {
                    let kind = if pool_name.is_empty() {
                        "empty attribute name, named from its resource id"
                    } else {
                        "fake attribute name contradicts its resource id, named from the id"
                    };
                    ctx.count(kind, || {
                        format!(
                            "{:?} in <{}> has id {id:#010x} = android:{canon}",
                            pn(),
                            elem()
                        )
                    });
                    name = SharedStr::from(canon);
                }
                if namespace.as_deref() != Some(ANDROID_NS) {
                    ctx.count("framework attribute outside the android namespace", || {
                        let ns = short(namespace.as_deref().unwrap_or(""));
                        format!("android:{canon} in <{}> has namespace {ns:?}", elem())
                    });
                }
            } else if pool_name.is_empty() {
                ctx.an.push(format!(
                    "empty attribute name with resource id {id:#010x} in <{}>",
                    elem()
                ));
            }
        }
        None => {
            if pool_name.is_empty() {
                ctx.an.push(format!(
                    "empty attribute name without resource id in <{}>",
                    elem()
                ));
            } else if namespace.as_deref() == Some(ANDROID_NS) {
                ctx.count(
                    "android-namespace attribute without resource id (ignored by Android)",
                    || format!("android:{} in <{}>", pn(), elem()),
                );
            }
        }
    }
    if let (Value::String(typed), Some(raw)) = (&value, &raw_value) {
        if typed != raw {
            ctx.count(
                "raw string differs from typed string value (tools disagree on it)",
                || {
                    format!(
                        "{:?} in <{}>: raw {:?}, typed {:?}",
                        pn(),
                        elem(),
                        short(raw),
                        short(typed)
                    )
                },
            );
        }
    }
    if pool_name.contains(':') {
        ctx.count("attribute name contains a namespace prefix", || {
            format!("{:?} in <{}>", pn(), elem())
        });
    }
    Some(Attribute {
        namespace,
        name,
        pool_name,
        resource_id,
        raw_value,
        value,
        data_type,
        data,
    })
}

impl Element {
    /// Finds an `android:` attribute: by resource id first (what Android does, immune to
    /// renamed or empty names in the string pool); by `name` in the android namespace only
    /// for attributes that carry no resource id.
    pub fn attr(&self, id: u32, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.resource_id == Some(id))
            .or_else(|| {
                self.attributes.iter().find(|a| {
                    a.resource_id.is_none()
                        && a.namespace.as_deref() == Some(ANDROID_NS)
                        && a.pool_name == name
                })
            })
    }

    /// Finds an attribute without namespace by name (e.g. `package` on `<manifest>`).
    pub fn plain_attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.resource_id.is_none() && a.name == name)
    }

    /// String value of a plain (no namespace, no resource id) attribute such as `package`,
    /// read the way Android's `XmlPullParser.getAttributeValue` does: the raw string first,
    /// else the typed value coerced to text for strings.
    pub fn plain_str(&self, name: &str) -> Option<&str> {
        let a = self.plain_attr(name)?;
        a.raw_value.as_deref().or(a.value.as_str())
    }

    /// String value of an `android:` attribute, as `TypedArray` reads it: the typed string
    /// value, else the raw string.
    pub fn attr_str(&self, id: u32, name: &str) -> Option<&str> {
        let a = self.attr(id, name)?;
        a.value.as_str().or(a.raw_value.as_deref())
    }

    /// Boolean value of an `android:` attribute (typed boolean/int, or raw "true"/"false").
    pub fn attr_bool(&self, id: u32, name: &str) -> Option<bool> {
        let a = self.attr(id, name)?;
        a.value.as_bool().or_else(|| match a.raw_value.as_deref()? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
    }

    /// Integer value of an `android:` attribute (typed int, or a decimal/hex raw string).
    pub fn attr_int(&self, id: u32, name: &str) -> Option<i64> {
        let a = self.attr(id, name)?;
        a.value.as_int().or_else(|| {
            let s = a.value.as_str().or(a.raw_value.as_deref())?.trim();
            match s.strip_prefix("0x") {
                Some(h) => i64::from_str_radix(h, 16).ok(),
                None => s.parse().ok(),
            }
        })
    }

    /// Child elements with the given name.
    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::chunk::build_chunk_for_tests as chunk;
    use crate::string_pool::build_pool_for_tests;

    fn node_hdr(line: u32) -> Vec<u8> {
        let mut h = line.to_le_bytes().to_vec();
        h.extend_from_slice(&NO_INDEX.to_le_bytes());
        h
    }

    fn u32s(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn utf8(s: &str) -> Vec<u8> {
        let mut b = vec![s.chars().count() as u8, s.len() as u8];
        b.extend_from_slice(s.as_bytes());
        b.push(0);
        b
    }

    /// Attribute: (ns, name, raw, dataType, data).
    fn start(line: u32, ns: u32, name: u32, attrs: &[(u32, u32, u32, u8, u32)]) -> Vec<u8> {
        let mut ext = u32s(&[ns, name]);
        ext.extend_from_slice(&20u16.to_le_bytes());
        ext.extend_from_slice(&20u16.to_le_bytes());
        ext.extend_from_slice(&(attrs.len() as u16).to_le_bytes());
        ext.extend_from_slice(&[0; 6]);
        for &(ns, n, raw, dt, data) in attrs {
            ext.extend_from_slice(&u32s(&[ns, n, raw]));
            ext.extend_from_slice(&8u16.to_le_bytes());
            ext.push(0);
            ext.push(dt);
            ext.extend_from_slice(&data.to_le_bytes());
        }
        chunk(RES_XML_START_ELEMENT_TYPE, &node_hdr(line), &ext)
    }

    fn end(ns: u32, name: u32) -> Vec<u8> {
        chunk(RES_XML_END_ELEMENT_TYPE, &node_hdr(0), &u32s(&[ns, name]))
    }

    /// Strings: 0 "xyz" (fake name, res id android:name), 1 "" (empty, res id android:exported),
    /// 2 android, 3 ns uri, 4 manifest, 5 "com.evil.Main", 6 activity, 7 package.
    fn doc(utf8_pool: bool) -> Vec<u8> {
        let strs = [
            "xyz",
            "",
            "android",
            ANDROID_NS,
            "manifest",
            "com.evil.Main",
            "activity",
            "package",
        ];
        let pool = if utf8_pool {
            build_pool_for_tests(&strs.iter().map(|s| utf8(s)).collect::<Vec<_>>(), true)
        } else {
            let bodies: Vec<Vec<u8>> = strs
                .iter()
                .map(|s| {
                    let u: Vec<u16> = s.encode_utf16().collect();
                    let mut b = (u.len() as u16).to_le_bytes().to_vec();
                    b.extend(u.iter().flat_map(|x| x.to_le_bytes()));
                    b.extend_from_slice(&[0, 0]);
                    b
                })
                .collect();
            build_pool_for_tests(&bodies, false)
        };
        let resmap = chunk(
            RES_XML_RESOURCE_MAP_TYPE,
            &[],
            &u32s(&[crate::attr::NAME, crate::attr::EXPORTED]),
        );
        let mut body = Vec::new();
        body.extend(pool);
        body.extend(resmap);
        body.extend(chunk(
            RES_XML_START_NAMESPACE_TYPE,
            &node_hdr(1),
            &u32s(&[2, 3]),
        ));
        body.extend(start(2, NO_INDEX, 4, &[(NO_INDEX, 7, 5, 3, 5)]));
        body.extend(start(
            3,
            NO_INDEX,
            6,
            &[(3, 0, 5, 3, 5), (3, 1, NO_INDEX, 0x12, 0xffff_ffff)],
        ));
        body.extend(end(NO_INDEX, 6));
        body.extend(end(NO_INDEX, 4));
        body.extend(chunk(
            RES_XML_END_NAMESPACE_TYPE,
            &node_hdr(9),
            &u32s(&[2, 3]),
        ));
        chunk(RES_XML_TYPE, &[], &body)
    }

    #[test]
    fn fake_and_empty_attribute_names_resolve_by_id() {
        for utf8_pool in [false, true] {
            let d = parse(&doc(utf8_pool)).unwrap();
            let root = d.root.as_ref().unwrap();
            assert_eq!(root.name, "manifest");
            assert_eq!(
                root.plain_attr("package").unwrap().value,
                Value::String("com.evil.Main".into())
            );
            let act = &root.children[0];
            let a = act.attr(crate::attr::NAME, "name").unwrap();
            assert_eq!(a.name, "name");
            assert_eq!(a.pool_name, "xyz");
            assert_eq!(
                act.attr_str(crate::attr::NAME, "name"),
                Some("com.evil.Main")
            );
            let e = act.attr(crate::attr::EXPORTED, "exported").unwrap();
            assert_eq!(e.pool_name, "");
            assert_eq!(act.attr_bool(crate::attr::EXPORTED, "exported"), Some(true));
            assert!(
                d.anomalies
                    .iter()
                    .any(|s| s.contains("\"xyz\"") && s.contains("android:name")),
                "{:?}",
                d.anomalies
            );
            assert!(d
                .anomalies
                .iter()
                .any(|s| s.contains("\"\"") && s.contains("android:exported")));
            assert_eq!(d.namespaces.len(), 1);
        }
    }

    #[test]
    fn name_fallback_only_without_resource_id() {
        let d = parse(&doc(false)).unwrap();
        let act = &d.root.unwrap().children[0];
        // "xyz" has a resource id, so a lookup by that name must not find it.
        assert!(act.attr(0x0101_9999, "xyz").is_none());
    }

    #[test]
    fn size_tricks_and_unbalanced_tags() {
        let mut d = doc(false);
        // Lie about the file size.
        d[4..8].copy_from_slice(&0x4242_4242u32.to_le_bytes());
        // Extra end tag + unknown chunk at the end.
        d.extend(end(NO_INDEX, 4));
        d.extend(chunk(0x0777, &[], &[1, 2, 3, 4]));
        let x = parse(&d).unwrap();
        assert_eq!(x.root.unwrap().children.len(), 1);
        let an = x.anomalies.join("\n");
        assert!(an.contains("declares size"), "{an}");
        assert!(an.contains("end element without"), "{an}");
        assert!(an.contains("unknown chunk type 0x0777"), "{an}");
        // Truncation at every length never panics.
        let full = doc(true);
        for n in 0..full.len() {
            let _ = parse(&full[..n]);
        }
        assert!(parse(&[1, 2, 3]).is_err());
        assert!(parse(&[0u8; 64]).is_err());
    }

    #[test]
    fn attributes_past_their_chunk_are_read_like_android() {
        let mut d = doc(false);
        // Shrink the <activity> start element to header + attrExt only.
        let act = d
            .windows(8)
            .enumerate()
            .filter(|(_, w)| w[0..2] == RES_XML_START_ELEMENT_TYPE.to_le_bytes())
            .map(|(i, _)| i)
            .nth(1)
            .unwrap();
        d[act + 4..act + 8].copy_from_slice(&36u32.to_le_bytes());
        let x = parse(&d).unwrap();
        let root = x.root.unwrap();
        assert_eq!(root.children[0].attributes.len(), 2);
        let an = x.anomalies.join("\n");
        assert!(an.contains("extend past the end of their chunk"), "{an}");
        assert!(an.contains("never closed"), "{an}");
    }

    #[test]
    fn string_fan_out_is_bounded() {
        // One 60,000-unit string referenced by 3,000 attributes: without the budget the
        // output would be 180 M units.
        let big: Vec<u8> = {
            let mut b = vec![];
            b.extend_from_slice(&(0x8000u16).to_le_bytes());
            b.extend_from_slice(&(60_000u16).to_le_bytes());
            b.extend(std::iter::repeat_n([b'a', 0], 60_000).flatten());
            b.extend_from_slice(&[0, 0]);
            b
        };
        let mut name = vec![1, 0, b'e', 0, 0, 0];
        name.truncate(6);
        let pool = build_pool_for_tests(&[big, name], false);
        let attrs: Vec<(u32, u32, u32, u8, u32)> =
            (0..3000).map(|_| (NO_INDEX, 1, 0, 3, 0)).collect();
        let mut body = pool;
        body.extend(start(1, NO_INDEX, 1, &attrs));
        body.extend(end(NO_INDEX, 1));
        let d = chunk(RES_XML_TYPE, &[], &body);
        let x = parse(&d).unwrap();
        let total: usize = x
            .root
            .as_ref()
            .unwrap()
            .attributes
            .iter()
            .map(|a| {
                a.raw_value.as_ref().map_or(0, |s| s.len()) + a.value.as_str().map_or(0, str::len)
            })
            .sum();
        assert!(
            total
                <= STRING_BUDGET_MIN.max(STRING_BUDGET_FACTOR * d.len())
                    + 2 * 60_000
                    + 6000 * STRING_CUT,
            "{total}"
        );
        assert!(
            x.anomalies.iter().any(|a| a.contains("budget")),
            "{:?}",
            x.anomalies
        );

        // Each use of the shared string gets what decoding it afresh would give under the
        // budget left at that point (decoded strings are shared, the budget is not): a
        // reference count of the budget, use by use, in the reader's order (element name;
        // then per attribute its name, raw value, typed value).
        let mut left = STRING_BUDGET_MIN.max(STRING_BUDGET_FACTOR * d.len());
        let mut take = |units: usize| {
            let max = if left > 0 { left } else { STRING_CUT };
            let n = units.min(max);
            left = left.saturating_sub(n);
            n
        };
        take(1);
        let root = x.root.as_ref().unwrap();
        assert_eq!(root.attributes.len(), 3000);
        let (mut full, mut cut) = (0, 0);
        for (i, a) in root.attributes.iter().enumerate() {
            take(1);
            let raw = take(60_000);
            let typed = take(60_000);
            assert_eq!(a.raw_value.as_ref().map(|s| s.len()), Some(raw), "raw #{i}");
            assert_eq!(a.value.as_str().map(str::len), Some(typed), "typed #{i}");
            for n in [raw, typed] {
                if n == 60_000 {
                    full += 1;
                } else {
                    cut += 1;
                }
            }
        }
        // Both paths were taken: shared full strings first, cut ones after.
        assert!(full > 1 && cut > 1, "full {full}, cut {cut}");
    }

    #[test]
    fn deep_nesting_and_second_root() {
        let pool = build_pool_for_tests(&[utf8("x")], true);
        let mut body = pool;
        for _ in 0..1000 {
            body.extend(start(1, NO_INDEX, 0, &[]));
        }
        for _ in 0..1000 {
            body.extend(end(NO_INDEX, 0));
        }
        body.extend(start(1, NO_INDEX, 0, &[]));
        body.extend(end(NO_INDEX, 0));
        let x = parse(&chunk(RES_XML_TYPE, &[], &body)).unwrap();
        let mut depth = 0;
        let mut e = x.root.as_ref().unwrap();
        while let Some(c) = e.children.first() {
            depth += 1;
            e = c;
        }
        assert_eq!(depth, MAX_DEPTH - 1);
        let an = x.anomalies.join("\n");
        assert!(an.contains("nested deeper"), "{an}");
        assert!(an.contains("more than one root"), "{an}");
    }
}
