//! JNI native-method symbol names ("Resolving Native Method Names" in the JNI specification).
//!
//! A native method's symbol is `Java_` + mangled fully-qualified class name + `_` + mangled
//! method name, and for overloaded methods `__` + mangled argument descriptor. Mangling keeps
//! ASCII letters and digits, writes `/` (package separator) as `_`, and escapes `_` as `_1`,
//! `;` as `_2`, `[` as `_3` and every other UTF-16 code unit as `_0xxxx` (four hex digits;
//! javah and ART write `$` as `_00024`).

use serde::Serialize;

/// A decoded `Java_*` symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JniName {
    /// Binary class name with `.` between packages, e.g. `com.example.Foo$Bar`.
    pub class: String,
    /// Method name.
    pub method: String,
    /// Argument descriptor of an overloaded method (the part after `__`), e.g.
    /// `ILjava/lang/String;`; `None` for the short form.
    pub signature: Option<String>,
}

/// Decodes a `Java_<class>_<method>[__<args>]` symbol; `None` when `symbol` is not a
/// well-formed mangled name (bad escape, character outside `[A-Za-z0-9_]`, empty class or
/// method part, invalid UTF-16).
pub fn demangle_jni(symbol: &str) -> Option<JniName> {
    let rest = symbol.strip_prefix("Java_")?.as_bytes();
    let mut parts: Vec<Vec<u16>> = Vec::new();
    let mut current: Vec<u16> = Vec::new();
    let mut in_signature = false;
    let mut i = 0usize;
    while let Some(&c) = rest.get(i) {
        if c.is_ascii_alphanumeric() {
            current.push(u16::from(c));
            i += 1;
            continue;
        }
        if c != b'_' {
            return None;
        }
        match rest.get(i + 1) {
            Some(b'1') => {
                current.push(u16::from(b'_'));
                i += 2;
            }
            Some(b'2') => {
                current.push(u16::from(b';'));
                i += 2;
            }
            Some(b'3') => {
                current.push(u16::from(b'['));
                i += 2;
            }
            Some(b'0') => {
                let hex = rest.get(i + 2..i + 6)?;
                let hex = std::str::from_utf8(hex).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                current.push(u16::from_str_radix(hex, 16).ok()?);
                i += 6;
            }
            Some(b'_') if !in_signature => {
                parts.push(std::mem::take(&mut current));
                in_signature = true;
                i += 2;
            }
            _ => {
                if in_signature {
                    current.push(u16::from(b'/'));
                } else {
                    parts.push(std::mem::take(&mut current));
                }
                i += 1;
            }
        }
    }
    let signature = if in_signature {
        Some(String::from_utf16(&current).ok()?)
    } else {
        parts.push(current);
        None
    };
    if parts.len() < 2 || parts.iter().any(Vec::is_empty) {
        return None;
    }
    let method = String::from_utf16(parts.pop()?.as_slice()).ok()?;
    let mut class = String::new();
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            class.push('.');
        }
        class.push_str(&String::from_utf16(part).ok()?);
    }
    Some(JniName {
        class,
        method,
        signature,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn d(s: &str) -> (String, String, Option<String>) {
        let n = demangle_jni(s).unwrap_or_else(|| panic!("{s} did not decode"));
        (n.class, n.method, n.signature)
    }

    #[test]
    fn spec_overloaded_example() {
        // JNI specification, "Native Method Example": `native double f(int i, String s)` in
        // class `pkg.Cls` is exported as `Java_pkg_Cls_f__ILjava_lang_String_2`.
        assert_eq!(
            d("Java_pkg_Cls_f__ILjava_lang_String_2"),
            (
                "pkg.Cls".into(),
                "f".into(),
                Some("ILjava/lang/String;".into())
            )
        );
    }

    #[test]
    fn short_names() {
        // JNI Programmer's Guide: class HelloWorld in the default package.
        assert_eq!(
            d("Java_HelloWorld_print"),
            ("HelloWorld".into(), "print".into(), None)
        );
        // NDK hello-jni sample.
        assert_eq!(
            d("Java_com_example_hellojni_HelloJni_stringFromJNI"),
            (
                "com.example.hellojni.HelloJni".into(),
                "stringFromJNI".into(),
                None
            )
        );
    }

    #[test]
    fn escapes() {
        // `_1` is `_` in names.
        assert_eq!(
            d("Java_my_1pkg_My_1Class_do_1it"),
            ("my_pkg.My_Class".into(), "do_it".into(), None)
        );
        // `$` of a nested class is `_00024`.
        assert_eq!(
            d("Java_Foo_00024Bar_baz"),
            ("Foo$Bar".into(), "baz".into(), None)
        );
        // `_3` is `[` and `_2` is `;` in descriptors: `m(int[], String[])`.
        assert_eq!(
            d("Java_p_C_m___3I_3Ljava_lang_String_2"),
            (
                "p.C".into(),
                "m".into(),
                Some("[I[Ljava/lang/String;".into())
            )
        );
        // An overloaded method without arguments: empty descriptor.
        assert_eq!(
            d("Java_p_C_m__"),
            ("p.C".into(), "m".into(), Some(String::new()))
        );
        // Non-ASCII: `_0xxxx` UTF-16 units, lower or upper case, surrogate pairs combined.
        assert_eq!(d("Java_p_Caf_000e9_m"), ("p.Café".into(), "m".into(), None));
        assert_eq!(d("Java_p_Caf_000E9_m"), ("p.Café".into(), "m".into(), None));
        assert_eq!(
            d("Java_p_C_x_0d83d_0de00"),
            ("p.C".into(), "x😀".into(), None)
        );
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "Java_",
            "Java_Cls",         // no method
            "Java_pkg__m",      // empty class part before the separator
            "Java_p_C_",        // empty method
            "Java_p_C_m_0zz",   // truncated / bad hex escape
            "Java_p_C_m_0d83d", // lone surrogate
            "Java_p.C_m",       // '.' is never literal
            "JNI_OnLoad",       // not Java_
            "Java_p_C_m$x",     // '$' must be escaped
        ] {
            assert_eq!(demangle_jni(s), None, "{s}");
        }
    }
}
