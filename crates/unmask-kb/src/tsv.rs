//! The tab-separated format shared by every knowledge-base file.

use crate::error::KbError;

/// One data line of a TSV file: its 1-based line number and its fields.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    pub(crate) file: &'a str,
    pub(crate) line: usize,
    pub(crate) header: &'static [&'static str],
    /// The fields, then empty strings up to [`MAX_COLUMNS`].
    pub(crate) fields: [&'a str; MAX_COLUMNS],
}

impl<'a> Row<'a> {
    /// The raw text of column `name` (which must be in the header).
    pub(crate) fn get(&self, name: &str) -> Result<&'a str, KbError> {
        // A byte loop: cheaper than `memcmp` calls for these short names.
        let idx = self
            .header
            .iter()
            .position(|h| h.len() == name.len() && h.bytes().zip(name.bytes()).all(|(a, b)| a == b))
            .ok_or_else(|| self.error(format!("internal: unknown column {name}")))?;
        self.fields
            .get(idx)
            .copied()
            .ok_or_else(|| self.error(format!("missing column {name}")))
    }

    /// Column `name`, with `-` read as absent.
    pub(crate) fn opt(&self, name: &str) -> Result<Option<&'a str>, KbError> {
        let v = self.get(name)?;
        Ok(if v == "-" { None } else { Some(v) })
    }

    /// Column `name`, which must not be `-`.
    pub(crate) fn req(&self, name: &str) -> Result<&'a str, KbError> {
        self.opt(name)?
            .ok_or_else(|| self.error(format!("column {name} must not be empty ('-')")))
    }

    /// An error about this line.
    pub(crate) fn error(&self, message: impl Into<String>) -> KbError {
        KbError::invalid(self.file, self.line, message)
    }
}

/// Most columns a file may have.
pub(crate) const MAX_COLUMNS: usize = 10;

/// Splits `text` (the content of `file`) into rows, checking the header and column counts.
///
/// Lines that are empty or start with `#` are comments. The first other line is the header and
/// must be exactly `header` joined by tabs. Every following line must have exactly as many
/// tab-separated fields, none of them empty (use `-` for "none") or with surrounding spaces.
/// The header is checked here; the rows are checked as the iterator yields them.
pub(crate) fn parse<'a>(
    file: &'a str,
    text: &'a str,
    header: &'static [&'static str],
) -> Result<Rows<'a>, KbError> {
    let mut lines = Lines::new(text).enumerate();
    for (idx, raw) in lines.by_ref() {
        let line = idx + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        if !raw.split('\t').eq(header.iter().copied()) {
            let fields: Vec<&str> = raw.split('\t').collect();
            let missing: Vec<&str> = header
                .iter()
                .filter(|h| !fields.contains(h))
                .copied()
                .collect();
            let unknown: Vec<&str> = fields
                .iter()
                .filter(|f| !header.contains(f))
                .copied()
                .collect();
            return Err(KbError::invalid(
                file,
                line,
                format!(
                    "header must be `{}`; missing columns: [{}]; unknown columns: [{}]",
                    header.join("\\t"),
                    missing.join(", "),
                    unknown.join(", ")
                ),
            ));
        }
        return Ok(Rows {
            file,
            header,
            lines,
        });
    }
    Err(KbError::invalid(
        file,
        0,
        format!("no header line (expected `{}`)", header.join("\\t")),
    ))
}

/// The data rows of a file, see [`parse`].
pub(crate) struct Rows<'a> {
    file: &'a str,
    header: &'static [&'static str],
    lines: std::iter::Enumerate<Lines<'a>>,
}

/// The lines of a text split at `\n` (like `str::split('\n')`: a final `\n` is followed by
/// an empty line).
pub(crate) struct Lines<'a>(Option<&'a str>);

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines(Some(text))
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.0?;
        match text.find('\n') {
            Some(i) => {
                self.0 = text.get(i.saturating_add(1)..);
                text.get(..i)
            }
            None => {
                self.0 = None;
                Some(text)
            }
        }
    }
}

impl<'a> Rows<'a> {
    fn row(&self, line: usize, raw: &'a str) -> Result<Row<'a>, KbError> {
        let (file, header) = (self.file, self.header);
        let count_error = |found: usize| {
            KbError::invalid(
                file,
                line,
                format!(
                    "expected {} tab-separated columns ({}), found {found}",
                    header.len(),
                    header.join(", "),
                ),
            )
        };
        let mut fields = [""; MAX_COLUMNS];
        let mut n = 0usize;
        let mut start = 0;
        // A byte loop rather than `split('\t')`: the fields are short.
        for (i, b) in raw.bytes().chain(std::iter::once(b'\t')).enumerate() {
            if b == b'\t' {
                if let Some(slot) = fields.get_mut(n) {
                    *slot = raw.get(start..i).unwrap_or_default();
                }
                n = n.saturating_add(1);
                start = i.saturating_add(1);
            }
        }
        if n != header.len() {
            return Err(count_error(n));
        }
        for (name, value) in header.iter().zip(&fields) {
            if value.is_empty() {
                return Err(KbError::invalid(
                    file,
                    line,
                    format!("column {name} is empty (write - for none)"),
                ));
            }
            if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
                return Err(KbError::invalid(
                    file,
                    line,
                    format!("column {name} has leading or trailing spaces: {value:?}"),
                ));
            }
        }
        Ok(Row {
            file,
            line,
            header,
            fields,
        })
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = Result<Row<'a>, KbError>;

    fn next(&mut self) -> Option<Self::Item> {
        for (idx, raw) in self.lines.by_ref() {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            return Some(self.row(idx + 1, raw));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// `Lines` splits like `str::split('\n')`; rows split their fields like
    /// `str::split('\t')` and refuse what `str::trim` would change.
    #[test]
    fn lines_and_fields_split_like_std() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\n\nb\n",
            "\n\na\r\nb\r\n",
            "é\nü",
        ] {
            let ours: Vec<&str> = Lines::new(text).collect();
            let std: Vec<&str> = text.split('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
        let header: &'static [&'static str] = &["a", "b", "c"];
        for (line, ok) in [
            ("x\ty\tz", true),
            ("x\ty", false),
            ("x\ty\tz\tw", false),
            ("x\t\tz", false),
            ("x\ty\tz ", false),
            (" x\ty\tz", false),
            ("x\ty\u{a0}\tz", false),
            ("x\ty\tz\r", true),
            ("é\tü\t-", true),
        ] {
            let text = format!("a\tb\tc\n{line}\n");
            let row = parse("f", &text, header).unwrap().next().unwrap();
            assert_eq!(row.is_ok(), ok, "{line:?}");
            if let Ok(row) = row {
                let want: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
                assert_eq!(&row.fields[..3], &want[..], "{line:?}");
                assert_eq!(row.line, 2);
            }
        }
    }
}
