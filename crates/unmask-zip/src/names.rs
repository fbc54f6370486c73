//! Entry-name checks. Names are data, never paths: these checks only *classify* them.

/// Why a name would be dangerous if someone used it as a path. Empty when safe.
pub(crate) fn unsafe_reasons(raw: &[u8]) -> Vec<&'static str> {
    let mut why = Vec::new();
    if raw.contains(&0) {
        why.push("NUL byte");
    }
    if raw.contains(&b'\\') {
        why.push("backslash");
    }
    if raw.first() == Some(&b'/') {
        why.push("absolute path");
    }
    if let (Some(letter), Some(b':')) = (raw.first(), raw.get(1)) {
        if letter.is_ascii_alphabetic() {
            why.push("drive letter");
        }
    }
    // Splitting into components only when there is a ".." at all (rare).
    if raw.windows(2).any(|w| w == b"..")
        && raw
            .split(|&b| b == b'/' || b == b'\\')
            .any(|component| component == b"..")
    {
        why.push("`..` component");
    }
    why
}

/// True if the name holds ASCII control characters other than NUL (CR, LF, TAB, ...).
pub(crate) fn has_control_chars(raw: &[u8]) -> bool {
    raw.iter().any(|&b| b != 0 && (b < 0x20 || b == 0x7f))
}
