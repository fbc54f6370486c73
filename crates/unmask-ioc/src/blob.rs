//! The compact form of the embedded bundles, written by `build.rs` and read by
//! [`crate::IocSet::load_embedded`].
//!
//! `build.rs` resolves each bundle of `kb/iocs` ([`crate::resolve`]: families through
//! relationships, report names) and writes only what matching and reporting use, so the
//! several megabytes of JSON are neither parsed nor paged in at run time. Text, every field
//! length-prefixed (no escaping, any content):
//!
//! ```text
//! MAGIC
//! num(sources)
//! per source:    str(file name) opt(bundle id) num(indicators)
//! per indicator: str(id) opt(name) str(pattern) opt(pattern_type)
//!                num(families) str(family)… num(reports) str(report)…
//! ```
//!
//! where `num` is `123;`, `str` is `5:hello` (length in bytes) and `opt` is `~` (none) or a
//! `str`.

/// The files of `kb/iocs` embedded, in load order.
pub(crate) const EMBEDDED_FILES: &[&str] = &[
    "echap-stalkerware.stix2",
    "2024-12-16_serbia_novispy_novispy.stix2",
    "2023-03-29_android_campaign_malware.stix2",
    "2024-05-02_wintego_helios_wintego_helios.stix2",
    "2021-12-16_cytrox_cytrox.stix2",
    "2021-07-18_nso_pegasus.stix2",
];

/// First line of the compact form (bump the version when the layout changes).
pub(crate) const MAGIC: &str = "unmask-ioc-embedded 1\n";

/// Builds the compact form.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Writer {
    out: String,
}

#[cfg_attr(not(test), allow(dead_code))]
impl Writer {
    /// A form with `sources` sources to follow.
    pub(crate) fn new(sources: usize) -> Writer {
        let mut w = Writer {
            out: MAGIC.to_string(),
        };
        w.num(sources);
        w
    }

    fn num(&mut self, n: usize) {
        self.out.push_str(&n.to_string());
        self.out.push(';');
    }

    fn str(&mut self, s: &str) {
        self.out.push_str(&s.len().to_string());
        self.out.push(':');
        self.out.push_str(s);
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.out.push('~'),
        }
    }

    /// Starts a source of `indicators` indicators.
    pub(crate) fn source(&mut self, name: &str, bundle_id: Option<&str>, indicators: usize) {
        self.str(name);
        self.opt(bundle_id);
        self.num(indicators);
    }

    /// One indicator of the current source.
    pub(crate) fn indicator(
        &mut self,
        id: &str,
        name: Option<&str>,
        pattern: &str,
        pattern_type: Option<&str>,
        families: &[String],
        reports: &[String],
    ) {
        self.str(id);
        self.opt(name);
        self.str(pattern);
        self.opt(pattern_type);
        for list in [families, reports] {
            self.num(list.len());
            for s in list {
                self.str(s);
            }
        }
    }

    /// The current length in bytes: where the next source or indicator starts (the position
    /// [`Reader::pos`] gives there).
    pub(crate) fn pos(&self) -> usize {
        self.out.len()
    }

    /// The text.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// One indicator read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub pattern: &'a str,
    pub pattern_type: Option<&'a str>,
    pub families: Vec<&'a str>,
    pub reports: Vec<&'a str>,
}

/// Reads the compact form. Every read is checked: `None` on malformed text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader after the magic line and the source count.
    pub(crate) fn new(text: &'a str) -> Option<(Reader<'a>, usize)> {
        let rest = text.strip_prefix(MAGIC)?;
        let mut r = Reader {
            text,
            pos: text.len().checked_sub(rest.len())?,
        };
        let n = r.num()?;
        Some((r, n))
    }

    /// A reader at byte `pos` (a position returned by [`Reader::pos`]).
    pub(crate) fn at(text: &'a str, pos: usize) -> Reader<'a> {
        Reader { text, pos }
    }

    /// The current byte position.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Decimal digits up to `end`.
    fn digits(&mut self, end: u8) -> Option<usize> {
        let bytes = self.text.as_bytes().get(self.pos..)?;
        let mut n: usize = 0;
        for (k, &b) in bytes.iter().enumerate() {
            if b == end && k > 0 {
                self.pos = self.pos.checked_add(k)?.checked_add(1)?;
                return Some(n);
            }
            if !b.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
        }
        None
    }

    pub(crate) fn num(&mut self) -> Option<usize> {
        self.digits(b';')
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let len = self.digits(b':')?;
        let end = self.pos.checked_add(len)?;
        let s = self.text.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    pub(crate) fn opt(&mut self) -> Option<Option<&'a str>> {
        if self.text.as_bytes().get(self.pos) == Some(&b'~') {
            self.pos = self.pos.checked_add(1)?;
            return Some(None);
        }
        self.str().map(Some)
    }

    /// A source header: file name, bundle id, number of indicators.
    pub(crate) fn source(&mut self) -> Option<(&'a str, Option<&'a str>, usize)> {
        Some((self.str()?, self.opt()?, self.num()?))
    }

    /// The id, pattern and pattern type of the next indicator, skipping the rest of it.
    pub(crate) fn indicator_head(&mut self) -> Option<(&'a str, &'a str, Option<&'a str>)> {
        let id = self.str()?;
        self.opt()?;
        let pattern = self.str()?;
        let ptype = self.opt()?;
        for _ in 0..2 {
            let n = self.num()?;
            for _ in 0..n {
                self.str()?;
            }
        }
        Some((id, pattern, ptype))
    }

    /// The next indicator.
    pub(crate) fn indicator(&mut self) -> Option<Record<'a>> {
        let id = self.str()?;
        let name = self.opt()?;
        let pattern = self.str()?;
        let pattern_type = self.opt()?;
        let mut lists: [Vec<&'a str>; 2] = [Vec::new(), Vec::new()];
        for list in &mut lists {
            let n = self.num()?;
            for _ in 0..n {
                list.push(self.str()?);
            }
        }
        let [families, reports] = lists;
        Some(Record {
            id,
            name,
            pattern,
            pattern_type,
            families,
            reports,
        })
    }
}
