//! Fixtures assembled from `tests/smali/*.smali` (see `tests/smali/build.sh`); the expected
//! values come from the smali sources.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, HashSet};
use unmask_dex::insn::i32s;
use unmask_dex::value::EncodedValue;
use unmask_dex::{
    disassemble, find_method, DexFile, Format, Index, IndexKind, Instruction, Operands,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/smali")
            .join(name),
    )
    .unwrap()
}

fn insns<'a>(dex: &DexFile<'a>, desc: &str) -> BTreeMap<u32, Instruction<'a>> {
    let idx = find_method(dex, desc).unwrap();
    let m = dex.find_method_def(idx).unwrap().unwrap();
    m.code.unwrap().instructions().map(|r| r.unwrap()).collect()
}

fn by_name<'a, 'b>(
    v: &'b BTreeMap<u32, Instruction<'a>>,
    name: &str,
) -> Vec<(u32, &'b Instruction<'a>)> {
    v.iter()
        .filter(|(_, i)| i.name() == name)
        .map(|(p, i)| (*p, i))
        .collect()
}

#[test]
fn every_format_decodes() {
    let data = fixture("formats.dex");
    let dex = DexFile::parse(&data).unwrap();
    let v = insns(&dex, "Lfix/Formats;->all(I[I)I");
    let formats: HashSet<Format> = v
        .values()
        .filter(|i| !i.is_payload())
        .map(|i| i.opcode.format())
        .collect();
    use Format::*;
    for f in [
        F10x, F12x, F11n, F11x, F10t, F20t, F22x, F21t, F21s, F21h, F21c, F23x, F22b, F22t, F22s,
        F22c, F32x, F30t, F31t, F31i, F31c, F35c, F3rc, F51l,
    ] {
        assert!(formats.contains(&f), "format {f:?} missing");
    }
    let one = |n: &str| *by_name(&v, n)[0].1;
    assert_eq!(
        by_name(&v, "const/4")[0].1.operands,
        Operands::F11n { a: 0, lit: -8 }
    );
    assert_eq!(
        by_name(&v, "const/4")[1].1.operands,
        Operands::F11n { a: 1, lit: 7 }
    );
    assert_eq!(
        one("const/16").operands,
        Operands::F21s { a: 2, lit: -0x8000 }
    );
    assert_eq!(
        by_name(&v, "const")[0].1.operands,
        Operands::F31i {
            a: 3,
            lit: 0x1234_5678
        }
    );
    assert_eq!(
        one("const/high16").operands,
        Operands::F21h { a: 4, high: 0x7f00 }
    );
    assert_eq!(
        one("const-wide/16").operands,
        Operands::F21s { a: 4, lit: -1 }
    );
    assert_eq!(
        one("const-wide/32").operands,
        Operands::F31i {
            a: 4,
            lit: 0x7fff_ffff
        }
    );
    assert_eq!(
        one("const-wide").operands,
        Operands::F51l {
            a: 4,
            lit: 0x4009_21fb_5444_2d18
        }
    );
    assert_eq!(
        one("const-wide/high16").operands,
        Operands::F21h { a: 4, high: 0x8000 }
    );
    assert_eq!(one("move/from16").operands, Operands::F22x { a: 3, b: 256 });
    assert_eq!(one("move/16").operands, Operands::F32x { a: 257, b: 258 });
    assert_eq!(
        one("move-object/16").operands,
        Operands::F32x { a: 281, b: 282 }
    );
    assert_eq!(
        one("add-int/lit16").operands,
        Operands::F22s {
            a: 0,
            b: 1,
            lit: 0x7fff
        }
    );
    assert_eq!(
        one("rsub-int/lit8").operands,
        Operands::F22b {
            a: 0,
            b: 1,
            lit: -0x80
        }
    );
    assert_eq!(
        one("ushr-long").operands,
        Operands::F23x { a: 2, b: 4, c: 0 }
    );
    let fna = one("filled-new-array");
    assert_eq!(fna.arg_registers(), vec![0, 1, 2, 3, 6]);
    assert_eq!(dex.type_name(fna.index().unwrap().1).unwrap(), "[I");
    assert_eq!(
        one("filled-new-array/range").arg_registers(),
        vec![0, 1, 2, 3]
    );
    let isr = one("invoke-static/range");
    assert_eq!(isr.arg_registers(), vec![10, 11, 12, 13, 14, 15]);
    assert_eq!(
        dex.method_descriptor(isr.index().unwrap().1).unwrap(),
        "Lfix/Formats;->range(JJJ)J"
    );
    let is = one("invoke-static");
    assert_eq!(is.arg_registers(), vec![0, 1, 2, 3, 4]);
    let (k, s) = one("const-string").index().unwrap();
    assert_eq!(
        (k, dex.string(s).unwrap().as_ref()),
        (IndexKind::String, "hello")
    );
    let (_, s) = one("const-string/jumbo").index().unwrap();
    assert_eq!(dex.string(s).unwrap(), "jumbo");
    assert_eq!(
        dex.field_descriptor(one("iget-wide").index().unwrap().1)
            .unwrap(),
        "Lfix/Formats;->inst:J"
    );
    assert_eq!(
        dex.field_descriptor(one("sget-object").index().unwrap().1)
            .unwrap(),
        "Lfix/Formats;->ss:Ljava/lang/String;"
    );

    // Branches all land on `return v0`.
    let ret = by_name(&v, "return")[0].0;
    for name in ["if-eq", "if-le", "if-eqz", "if-lez"] {
        let (pc, i) = by_name(&v, name)[0];
        assert_eq!(
            pc.wrapping_add(i.branch_offset().unwrap() as u32),
            ret,
            "{name}"
        );
    }
    let (gpc, g) = by_name(&v, "goto/32")[0];
    assert_eq!(g.operands, Operands::F30t { offset: 3 });
    assert!(gpc > 0);

    // Payloads, reached through the *-switch / fill-array-data offsets.
    let payload_at = |name: &str| {
        let (pc, i) = by_name(&v, name)[0];
        v[&pc.wrapping_add(i.branch_offset().unwrap() as u32)]
    };
    match payload_at("fill-array-data").operands {
        Operands::FillArrayDataPayload {
            element_width,
            count,
            data,
        } => {
            assert_eq!((element_width, count), (4, 3));
            assert_eq!(i32s(data).collect::<Vec<_>>(), vec![1, 2, 3]);
        }
        o => panic!("{o:?}"),
    }
    let (sw_pc, _) = by_name(&v, "packed-switch")[0];
    match payload_at("packed-switch").operands {
        Operands::PackedSwitchPayload { first_key, targets } => {
            assert_eq!(first_key, 0x10);
            let t: Vec<u32> = i32s(targets)
                .map(|t| sw_pc.wrapping_add(t as u32))
                .collect();
            assert_eq!(t.len(), 3);
            assert_eq!(t[0], ret);
        }
        o => panic!("{o:?}"),
    }
    match payload_at("sparse-switch").operands {
        Operands::SparseSwitchPayload { keys, targets } => {
            assert_eq!(i32s(keys).collect::<Vec<_>>(), vec![-1, 100, 100_000]);
            assert_eq!(i32s(targets).count(), 3);
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn class_structure_and_values() {
    let data = fixture("formats.dex");
    let dex = DexFile::parse(&data).unwrap();
    let cs = dex.checksums();
    assert!(cs.adler32_ok && cs.sha1_ok);
    let class = dex.classes().next().unwrap().unwrap();
    assert_eq!(class.descriptor().unwrap(), "Lfix/Formats;");
    assert_eq!(class.superclass().unwrap().unwrap(), "Ljava/lang/Object;");
    assert_eq!(class.interfaces().unwrap(), vec!["Ljava/lang/Runnable;"]);
    assert_eq!(
        dex.string(class.def.source_file_idx).unwrap(),
        "Formats.java"
    );
    let cd = dex.class_data(&class.def).unwrap();
    assert_eq!((cd.static_fields, cd.fields.len()), (2, 4));
    assert_eq!(cd.methods.len(), 7);
    // Static values: sf = 0x2a, ss = "static" (fields sorted by id: sf, ss).
    let sv = dex.static_values(&class.def).unwrap();
    assert_eq!(sv[0], EncodedValue::Int(42));
    match sv[1] {
        EncodedValue::String(i) => assert_eq!(dex.string(i).unwrap(), "static"),
        ref o => panic!("{o:?}"),
    }
    // Try/catch.
    let m = dex
        .find_method_def(find_method(&dex, "Lfix/Formats;->tries()V").unwrap())
        .unwrap()
        .unwrap();
    let code = m.code.unwrap();
    let tries = code.tries().unwrap();
    assert_eq!(tries.len(), 1);
    assert_eq!((tries[0].start_addr, tries[0].insn_count), (0, 3));
    let h = code.catch_handler(tries[0].handler_off).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        dex.type_name(h[0].type_idx.unwrap()).unwrap(),
        "Ljava/lang/RuntimeException;"
    );
    assert_eq!((h[0].addr, h[1].type_idx, h[1].addr), (4, None, 6));
    // Debug info: .line 10, 11, 12 in `all`.
    let m = dex
        .find_method_def(find_method(&dex, "Lfix/Formats;->all(I[I)I").unwrap())
        .unwrap()
        .unwrap();
    let lines: Vec<u32> = m
        .code
        .unwrap()
        .positions()
        .unwrap()
        .iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(lines, vec![10, 11, 12]);
    assert_eq!(m.code.unwrap().registers_size, 300);
}

#[test]
fn modern_formats_and_call_sites() {
    let data = fixture("modern.dex");
    let dex = DexFile::parse(&data).unwrap();
    assert!(dex.version() >= 38);
    let v = insns(
        &dex,
        "Lfix/Modern;->go(Ljava/lang/invoke/MethodHandle;Ljava/lang/Object;)V",
    );
    let ops: Vec<&str> = v.values().map(|i| i.name()).collect();
    assert_eq!(
        ops,
        vec![
            "invoke-polymorphic",
            "invoke-polymorphic/range",
            "const-method-handle",
            "const-method-type",
            "invoke-custom",
            "invoke-custom/range",
            "return-void"
        ]
    );
    let ip = v[&0];
    assert_eq!(ip.opcode.format(), Format::F45cc);
    assert_eq!(ip.arg_registers(), vec![8, 9]);
    assert_eq!(
        dex.method_descriptor(ip.index().unwrap().1).unwrap(),
        "Ljava/lang/invoke/MethodHandle;->invoke([Ljava/lang/Object;)Ljava/lang/Object;"
    );
    assert_eq!(
        dex.proto_signature(ip.proto_index().unwrap()).unwrap(),
        "(Ljava/lang/Object;)V"
    );
    let ipr = v[&4];
    assert_eq!(ipr.opcode.format(), Format::F4rcc);
    assert_eq!(ipr.arg_registers(), vec![0, 1, 2]);
    assert_eq!(
        dex.proto_signature(ipr.proto_index().unwrap()).unwrap(),
        "(II)I"
    );
    let (k, mh) = v[&8].index().unwrap();
    assert_eq!(k, IndexKind::MethodHandle);
    let h = dex.method_handle(mh).unwrap();
    assert_eq!(h.kind, 4); // invoke-static
    assert_eq!(
        dex.method_descriptor(u32::from(h.field_or_method_idx))
            .unwrap(),
        "Lfix/Modern;->go(Ljava/lang/invoke/MethodHandle;Ljava/lang/Object;)V"
    );
    let (k, p) = v[&10].index().unwrap();
    assert_eq!(
        (k, dex.proto_signature(p).unwrap()),
        (IndexKind::Proto, "(IJ)Ljava/lang/String;".to_owned())
    );
    let (k, cs) = v[&12].index().unwrap();
    assert_eq!(k, IndexKind::CallSite);
    assert_eq!(dex.call_site_count(), 1);
    let site = dex.call_site(cs).unwrap();
    assert!(matches!(site[0], EncodedValue::MethodHandle(_)));
    match (&site[1], &site[2], &site[3]) {
        (EncodedValue::String(n), EncodedValue::MethodType(t), EncodedValue::String(x)) => {
            assert_eq!(dex.string(*n).unwrap(), "run");
            assert_eq!(dex.proto_signature(*t).unwrap(), "(II)V");
            assert_eq!(dex.string(*x).unwrap(), "extra");
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(v[&15].arg_registers(), vec![0, 1]);
}

#[test]
fn mutf8_strings() {
    let data = fixture("strings.dex");
    let dex = DexFile::parse(&data).unwrap();
    let v = insns(&dex, "Lfix/Strings;->strings()V");
    let s: Vec<String> = v
        .values()
        .filter_map(|i| i.index())
        .map(|(_, idx)| dex.string(idx).unwrap().into_owned())
        .collect();
    assert_eq!(
        s,
        vec![
            "smile \u{1F600}!",
            "nul\0inside",
            "lone \u{fffd} surrogate",
            "caf\u{e9} \u{20ac}",
            ""
        ]
    );
    // The raw bytes keep the MUTF-8 encodings.
    let (_, i) = v[&0].index().unwrap();
    assert_eq!(
        dex.string_raw(i).unwrap(),
        b"smile \xed\xa0\xbd\xed\xb8\x80!"
    );
    let (_, i) = v[&2].index().unwrap();
    assert_eq!(dex.string_raw(i).unwrap(), b"nul\xc0\x80inside");
}

#[test]
fn index_and_hierarchy() {
    let a = fixture("formats.dex");
    let b = fixture("modern.dex");
    let dexes = vec![DexFile::parse(&a).unwrap(), DexFile::parse(&b).unwrap()];
    let idx = Index::build(&dexes);
    assert!(idx.errors.is_empty(), "{:?}", idx.errors);
    let run = idx.methods.get(&dexes, "Lfix/Formats;->run()V");
    assert_eq!(run.len(), 3); // invoke-virtual, invoke-virtual/range in all(); invoke-virtual in tries()
    assert!(run.iter().all(|s| s.dex == 0));
    assert_eq!(idx.strings.get(&dexes, "hello").len(), 1);
    assert_eq!(idx.fields.get(&dexes, "Lfix/Formats;->inst:J").len(), 2);
    assert_eq!(idx.types.get(&dexes, "[I").len(), 3);
    let poly = idx.methods.get(
        &dexes,
        "Ljava/lang/invoke/MethodHandle;->invoke([Ljava/lang/Object;)Ljava/lang/Object;",
    );
    assert_eq!(poly.len(), 1);
    assert_eq!((poly[0].dex, poly[0].offset), (1, 0));
    let h = &idx.hierarchy;
    let f = h.id("Lfix/Formats;").unwrap();
    let obj = h.id("Ljava/lang/Object;").unwrap();
    let run_if = h.id("Ljava/lang/Runnable;").unwrap();
    assert!(!h.is_external(f));
    assert!(h.is_external(obj) && h.is_external(run_if));
    assert_eq!(h.superclasses(f), (vec![obj], false));
    assert!(h.is_subtype_of(f, run_if));
    assert_eq!(h.node(f).unwrap().defined_in, Some((0, 0)));
    // Keys render back from the dex files; ids are in first-seen order.
    let all: Vec<String> = idx
        .methods
        .iter()
        .map(|(id, _)| idx.methods.key(&dexes, id).unwrap())
        .collect();
    assert!(all.contains(&"Lfix/Formats;->run()V".to_owned()));
    assert_eq!(
        idx.methods.iter().map(|(_, s)| s.len()).sum::<usize>(),
        idx.methods.site_count()
    );
    assert!(idx
        .methods
        .get(&dexes, "Lfix/Formats;->absent()V")
        .is_empty());
}

#[test]
fn disassembly() {
    let data = fixture("formats.dex");
    let dex = DexFile::parse(&data).unwrap();
    let m = find_method(&dex, "Lfix/Formats;->all(I[I)I").unwrap();
    let s = disassemble(&dex, m).unwrap();
    assert!(s.contains(".method public all(I[I)I"), "{s}");
    assert!(s.contains(".registers 300"));
    assert!(s.contains(".line 11"));
    assert!(s.contains("const-string v5, \"hello\""));
    assert!(s.contains(
        "invoke-static/range {v10, v11, v12, v13, v14, v15}, Lfix/Formats;->range(JJJ)J"
    ));
    assert!(s.ends_with(".end method\n"));
    let t = unmask_dex::disassemble_descriptor(&dex, "Lfix/Formats;->tries()V").unwrap();
    assert!(
        t.contains(".catch Ljava/lang/RuntimeException; {:0000 .. :0003} :0004"),
        "{t}"
    );
    assert!(find_method(&dex, "Lfix/Formats;->nope()V").is_err());
    assert!(find_method(&dex, "garbage").is_err());
}

#[test]
fn annotations_and_static_values() {
    let data = fixture("annotated.dex");
    let dex = DexFile::parse(&data).unwrap();
    let class = dex.classes().next().unwrap().unwrap();
    let dir = dex.annotations_directory(&class.def).unwrap().unwrap();
    let cls = dir.annotations(dir.class_annotations_off).unwrap();
    assert_eq!(cls.len(), 1);
    assert_eq!(cls[0].visibility, 1); // runtime
    assert_eq!(
        dex.type_name(cls[0].annotation.type_idx).unwrap(),
        "Lfix/Marker;"
    );
    let el: BTreeMap<String, EncodedValue<'_>> = cls[0]
        .annotation
        .elements
        .iter()
        .map(|(n, v)| (dex.string(*n).unwrap().into_owned(), v.clone()))
        .collect();
    assert_eq!(el["level"], EncodedValue::Int(3));
    match el["value"] {
        EncodedValue::String(i) => assert_eq!(dex.string(i).unwrap(), "class-level"),
        ref o => panic!("{o:?}"),
    }
    // Method annotation: dalvik.annotation.Throws { IOException }.
    assert_eq!(dir.methods.len(), 1);
    let m = dir.annotations(dir.methods[0].1).unwrap();
    assert_eq!(m[0].visibility, 2); // system
    assert_eq!(
        dex.type_name(m[0].annotation.type_idx).unwrap(),
        "Ldalvik/annotation/Throws;"
    );
    match &m[0].annotation.elements[0].1 {
        EncodedValue::Array(v) => match v[..] {
            [EncodedValue::Type(t)] => {
                assert_eq!(dex.type_name(t).unwrap(), "Ljava/io/IOException;")
            }
            ref o => panic!("{o:?}"),
        },
        o => panic!("{o:?}"),
    }
    // Parameter annotations: none on p0, Marker("param") on p1.
    assert_eq!(dir.parameters.len(), 1);
    let p = dir.parameter_annotations(dir.parameters[0].1).unwrap();
    assert_eq!(p.len(), 2);
    assert!(p[0].is_empty());
    assert_eq!(
        dex.type_name(p[1][0].annotation.type_idx).unwrap(),
        "Lfix/Marker;"
    );
    // Static values in field order (D, K sorted by name): 2.5 and "k".
    let sv = dex.static_values(&class.def).unwrap();
    assert_eq!(sv[0], EncodedValue::Double(2.5));
    match sv[1] {
        EncodedValue::String(i) => assert_eq!(dex.string(i).unwrap(), "k"),
        ref o => panic!("{o:?}"),
    }
    assert_eq!(dex.scan().error_count, 0);
}
