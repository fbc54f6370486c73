//! Pattern parser tests: OASIS STIX 2.1 specification examples and malformed patterns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use unmask_ioc::pattern::{
    parse, ComparisonExpr, Literal, ObservationExpr, Operator, PathComponent, Qualifier,
};

mod cases;
use cases::{MALFORMED, SPEC_EXAMPLES};

#[test]
fn spec_examples_parse() {
    for p in SPEC_EXAMPLES {
        if let Err(e) = parse(p) {
            panic!("{p}: {e}");
        }
    }
    println!("{} OASIS examples parsed", SPEC_EXAMPLES.len());
}

#[test]
fn malformed_patterns_report_position() {
    for (p, pos, msg) in MALFORMED {
        match parse(p) {
            Ok(x) => panic!("{p:?} parsed: {x:?}"),
            Err(e) => {
                assert_eq!(e.position, *pos, "{p:?}: {e}");
                assert!(e.message.contains(msg), "{p:?}: {e} (wanted {msg:?})");
            }
        }
    }
}

#[test]
fn escaping() {
    let p = parse(r"[file:name = 'it\'s a \\ test']").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Test(t)) = &p.expr else {
        panic!("{p:?}")
    };
    assert_eq!(t.value, Literal::Str(r"it's a \ test".to_string()));
    assert_eq!(t.path.key(), "file:name");
    // A quote escaped right before the closing one.
    let p = parse(r"[file:name = 'x\\']").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Test(t)) = &p.expr else {
        panic!()
    };
    assert_eq!(t.value.as_str(), Some(r"x\"));
}

#[test]
fn in_and_or_precedence() {
    let p = parse("[app:id IN ('a', 'b') OR app:id = 'c' AND app:cert.sha1 = 'd']").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Or(v)) = &p.expr else {
        panic!("{p:?}")
    };
    assert_eq!(v.len(), 2);
    let ComparisonExpr::Test(t) = &v[0] else {
        panic!()
    };
    assert_eq!(t.op, Operator::In);
    assert_eq!(
        t.value,
        Literal::Set(vec![Literal::Str("a".into()), Literal::Str("b".into())])
    );
    assert!(matches!(&v[1], ComparisonExpr::And(a) if a.len() == 2));

    // Observation level: AND binds tighter than OR, OR tighter than FOLLOWEDBY.
    let p = parse("[a:b = '1'] OR [a:b = '2'] AND [a:b = '3'] FOLLOWEDBY [a:b = '4']").unwrap();
    let ObservationExpr::FollowedBy(f) = &p.expr else {
        panic!("{p:?}")
    };
    assert_eq!(f.len(), 2);
    let ObservationExpr::Or(o) = &f[0] else {
        panic!()
    };
    assert!(matches!(&o[1], ObservationExpr::And(a) if a.len() == 2));
    assert!(p.notes.iter().any(|n| n.contains("FOLLOWEDBY")));
}

#[test]
fn qualifiers_are_parsed_and_noted() {
    let p = parse(SPEC_EXAMPLES[12]).unwrap();
    let ObservationExpr::Qualified(inner, Qualifier::Within(s)) = &p.expr else {
        panic!("{p:?}")
    };
    assert_eq!(*s, 180.0);
    assert!(matches!(
        **inner,
        ObservationExpr::Qualified(_, Qualifier::Repeats(5))
    ));
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    let p = parse(SPEC_EXAMPLES[13]).unwrap();
    assert!(matches!(
        &p.expr,
        ObservationExpr::Qualified(_, Qualifier::StartStop(a, b))
            if a == "2016-06-01T00:00:00Z" && b == "2016-07-01T00:00:00Z"
    ));
    assert!(p.notes[0].contains("START/STOP"));
}

#[test]
fn paths_and_literals() {
    let p = parse(SPEC_EXAMPLES[14]).unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Test(t)) = &p.expr else {
        panic!()
    };
    assert_eq!(
        t.path.components,
        vec![
            PathComponent::Property("extensions".into()),
            PathComponent::Property("windows-pebinary-ext".into()),
            PathComponent::Property("sections".into()),
            PathComponent::AnyIndex,
            PathComponent::Property("entropy".into()),
        ]
    );
    assert_eq!(
        t.path.key(),
        "file:extensions.windows-pebinary-ext.sections[*].entropy"
    );
    assert_eq!(t.op, Operator::Gt);
    assert_eq!(t.value, Literal::Float(7.0));
    let p = parse("[x:y NOT = 'a']").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Test(t)) = &p.expr else {
        panic!()
    };
    assert!(t.negated);
    // MVT's non-standard object types and whitespace-free form.
    let p = parse("[app:cert.sha256='3ac9']").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Test(t)) = &p.expr else {
        panic!()
    };
    assert_eq!(t.path.key(), "app:cert.sha256");
}

#[test]
fn depth_and_length_are_bounded() {
    let deep = format!("{}[a:b = 'c']{}", "(".repeat(200), ")".repeat(200));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("nesting"), "{e}");
    let deep = format!("[{}a:b = 'c'{}]", "(".repeat(200), ")".repeat(200));
    assert!(parse(&deep).unwrap_err().message.contains("nesting"));
    let long = format!("[a:b = '{}']", "x".repeat(70_000));
    assert!(parse(&long).unwrap_err().message.contains("limit"));
    let ok = format!("{}[a:b = 'c']{}", "(".repeat(30), ")".repeat(30));
    parse(&ok).unwrap();
}
