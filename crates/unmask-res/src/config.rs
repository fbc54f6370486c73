//! `ResTable_config` → aapt-style qualifier string (`ResTable_config::toString`).

use crate::chunk::{u16_at, u32_at, u8_at};

fn unpack2(b0: u8, b1: u8, base: u8) -> String {
    if b0 & 0x80 != 0 {
        // Packed three-letter code: 1ttt ttss sssf ffff.
        let first = b1 & 0x1f;
        let second = ((b1 & 0xe0) >> 5) | ((b0 & 0x03) << 3);
        let third = (b0 & 0x7c) >> 2;
        [first, second, third]
            .iter()
            .map(|&c| char::from(base.wrapping_add(c)))
            .collect()
    } else if b0 == 0 {
        String::new()
    } else {
        let mut s = String::new();
        for b in [b0, b1] {
            if b != 0 {
                s.push(if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '?'
                });
            }
        }
        s
    }
}

fn cstr(d: &[u8]) -> String {
    d.iter()
        .take_while(|&&b| b != 0)
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// Formats the config bytes (starting at the `size` field; missing trailing fields read as
/// zero) like aapt prints qualifiers.
pub fn qualifiers(cfg: &[u8]) -> String {
    let declared = u32_at(cfg, 0).unwrap_or(0) as usize;
    let avail = cfg.get(..declared.min(cfg.len())).unwrap_or(&[]);
    let b = |o: usize| u8_at(avail, o).unwrap_or(0);
    let h = |o: usize| u16_at(avail, o).unwrap_or(0);
    let mut parts: Vec<String> = Vec::new();
    let mcc = h(4);
    let mnc = h(6);
    if mcc != 0 {
        parts.push(format!("mcc{mcc}"));
    }
    if mnc != 0 {
        parts.push(format!("mnc{mnc}"));
    }
    // Locale.
    let lang = unpack2(b(8), b(9), b'a');
    if !lang.is_empty() {
        let region = unpack2(b(10), b(11), b'0');
        let script = cstr(avail.get(36..40).unwrap_or(&[]));
        let variant = cstr(avail.get(40..48).unwrap_or(&[]));
        let computed = b(52) != 0;
        let numbering = cstr(avail.get(53..61).unwrap_or(&[]));
        let script_provided = !script.is_empty() && !computed;
        if !script_provided && variant.is_empty() && numbering.is_empty() {
            if region.is_empty() {
                parts.push(lang);
            } else {
                parts.push(format!("{lang}-r{region}"));
            }
        } else {
            let mut s = format!("b+{lang}");
            if script_provided {
                s.push('+');
                s.push_str(&script);
            }
            if !region.is_empty() {
                s.push('+');
                s.push_str(&region);
            }
            if !variant.is_empty() {
                s.push('+');
                s.push_str(&variant);
            }
            if !numbering.is_empty() {
                s.push_str("+u+nu+");
                s.push_str(&numbering);
            }
            parts.push(s);
        }
    }
    let layout = b(28);
    match layout & 0xc0 {
        0 => {}
        0x40 => parts.push("ldltr".into()),
        0x80 => parts.push("ldrtl".into()),
        v => parts.push(format!("layoutDir={v}")),
    }
    for (off, fmt) in [(30usize, "sw"), (32, "w"), (34, "h")] {
        let v = h(off);
        if v != 0 {
            parts.push(format!("{fmt}{v}dp"));
        }
    }
    match layout & 0x0f {
        0 => {}
        1 => parts.push("small".into()),
        2 => parts.push("normal".into()),
        3 => parts.push("large".into()),
        4 => parts.push("xlarge".into()),
        v => parts.push(format!("screenLayoutSize={v}")),
    }
    match layout & 0x30 {
        0 => {}
        0x10 => parts.push("notlong".into()),
        0x20 => parts.push("long".into()),
        v => parts.push(format!("screenLayoutLong={v}")),
    }
    match b(48) & 0x03 {
        0 => {}
        1 => parts.push("notround".into()),
        2 => parts.push("round".into()),
        v => parts.push(format!("screenRound={v}")),
    }
    let color = b(49);
    match color & 0x03 {
        0 => {}
        1 => parts.push("nowidecg".into()),
        2 => parts.push("widecg".into()),
        v => parts.push(format!("wideColorGamut={v}")),
    }
    match color & 0x0c {
        0 => {}
        4 => parts.push("lowdr".into()),
        8 => parts.push("highdr".into()),
        v => parts.push(format!("hdr={v}")),
    }
    match b(12) {
        0 => {}
        1 => parts.push("port".into()),
        2 => parts.push("land".into()),
        3 => parts.push("square".into()),
        v => parts.push(format!("orientation={v}")),
    }
    let ui = b(29);
    match ui & 0x0f {
        0 => {}
        2 => parts.push("desk".into()),
        3 => parts.push("car".into()),
        4 => parts.push("television".into()),
        5 => parts.push("appliance".into()),
        6 => parts.push("watch".into()),
        7 => parts.push("vrheadset".into()),
        v => parts.push(format!("uiMode={v}")),
    }
    match ui & 0x30 {
        0 => {}
        0x10 => parts.push("notnight".into()),
        0x20 => parts.push("night".into()),
        v => parts.push(format!("night={v}")),
    }
    match h(14) {
        0 => {}
        120 => parts.push("ldpi".into()),
        160 => parts.push("mdpi".into()),
        213 => parts.push("tvdpi".into()),
        240 => parts.push("hdpi".into()),
        320 => parts.push("xhdpi".into()),
        480 => parts.push("xxhdpi".into()),
        640 => parts.push("xxxhdpi".into()),
        0xfffe => parts.push("anydpi".into()),
        0xffff => parts.push("nodpi".into()),
        v => parts.push(format!("{v}dpi")),
    }
    match b(13) {
        0 => {}
        1 => parts.push("notouch".into()),
        2 => parts.push("stylus".into()),
        3 => parts.push("finger".into()),
        v => parts.push(format!("touchscreen={v}")),
    }
    let input = b(18);
    match input & 0x03 {
        0 => {}
        1 => parts.push("keysexposed".into()),
        2 => parts.push("keyshidden".into()),
        _ => parts.push("keyssoft".into()),
    }
    match b(16) {
        0 => {}
        1 => parts.push("nokeys".into()),
        2 => parts.push("qwerty".into()),
        3 => parts.push("12key".into()),
        v => parts.push(format!("keyboard={v}")),
    }
    match input & 0x0c {
        0 => {}
        4 => parts.push("navexposed".into()),
        8 => parts.push("navhidden".into()),
        v => parts.push(format!("inputFlagsNavHidden={v}")),
    }
    match b(17) {
        0 => {}
        1 => parts.push("nonav".into()),
        2 => parts.push("dpad".into()),
        3 => parts.push("trackball".into()),
        4 => parts.push("wheel".into()),
        v => parts.push(format!("navigation={v}")),
    }
    let (sw, sh) = (h(20), h(22));
    if sw != 0 || sh != 0 {
        parts.push(format!("{sw}x{sh}"));
    }
    let (sdk, minor) = (h(24), h(26));
    if sdk != 0 || minor != 0 {
        if minor != 0 {
            parts.push(format!("v{sdk}.{minor}"));
        } else {
            parts.push(format!("v{sdk}"));
        }
    }
    parts.join("-")
}

/// BCP-47 style locale (`en-GB`, `sr-Latn`) of an aapt qualifier string.
pub fn locale_of_qualifiers(q: &str) -> String {
    let mut toks = q.split('-').peekable();
    while let Some(t) = toks.next() {
        if t.starts_with("mcc") || t.starts_with("mnc") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("b+") {
            return rest.replace('+', "-");
        }
        let is_lang = (2..=3).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_lowercase());
        if !is_lang {
            return String::new();
        }
        let mut s = t.to_string();
        if let Some(r) = toks.peek().and_then(|n| n.strip_prefix('r')) {
            if (2..=3).contains(&r.len())
                && r.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                s.push('-');
                s.push_str(r);
            }
        }
        return s;
    }
    String::new()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn cfg() -> Vec<u8> {
        let mut c = vec![0u8; 64];
        c[0] = 64;
        c
    }

    #[test]
    fn qualifier_strings() {
        assert_eq!(qualifiers(&cfg()), "");
        let mut c = cfg();
        c[8..12].copy_from_slice(b"frCA");
        c[14..16].copy_from_slice(&240u16.to_le_bytes());
        c[24..26].copy_from_slice(&21u16.to_le_bytes());
        c[12] = 2;
        c[29] = 0x20;
        assert_eq!(qualifiers(&c), "fr-rCA-land-night-hdpi-v21");
        assert_eq!(locale_of_qualifiers("fr-rCA-land-night-hdpi-v21"), "fr-CA");
        let mut c = cfg();
        c[8..10].copy_from_slice(b"sr");
        c[36..40].copy_from_slice(b"Latn");
        c[32..34].copy_from_slice(&600u16.to_le_bytes());
        c[28] = 0x80 | 3;
        assert_eq!(qualifiers(&c), "b+sr+Latn-ldrtl-w600dp-large");
        assert_eq!(locale_of_qualifiers("b+sr+Latn-ldrtl"), "sr-Latn");
        // Packed three-letter language "fil" and a truncated config.
        let mut c = cfg();
        let (f, i, l) = (b'f' - b'a', b'i' - b'a', b'l' - b'a');
        c[9] = f | ((i & 0x07) << 5);
        c[8] = 0x80 | (i >> 3) | (l << 2);
        assert_eq!(qualifiers(&c), "fil");
        c[0] = 12;
        c[24] = 5;
        assert_eq!(qualifiers(&c[..12]), "fil");
        assert_eq!(locale_of_qualifiers("mcc310-en-rUS"), "en-US");
        assert_eq!(locale_of_qualifiers("hdpi"), "");
    }
}
