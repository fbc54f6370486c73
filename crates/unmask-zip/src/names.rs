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

/// True when the name certainly has none of the traits above (no byte below 0x20, DEL,
/// backslash, `..`, leading `/` or second byte `:`): one branch-free pass, so that the
/// checks that say why are run only on the rare names that need them.
pub(crate) fn is_plain(raw: &[u8]) -> bool {
    let odd = raw.iter().fold(false, |acc, &b| {
        acc | (b < 0x20) | (b == 0x7f) | (b == b'\\')
    });
    let dots = raw
        .iter()
        .zip(raw.iter().skip(1))
        .fold(false, |acc, (&a, &b)| acc | ((a == b'.') & (b == b'.')));
    !(odd || dots || raw.first() == Some(&b'/') || raw.get(1) == Some(&b':'))
}
