//! Classes and methods, decoded lazily, for analyses.

use crate::error::{DexError, Result};
use crate::file::{ClassDef, CodeItem, DexFile, EncodedMethod, NO_INDEX};
use std::borrow::Cow;

/// A class definition together with its dex file.
#[derive(Debug, Clone, Copy)]
pub struct Class<'d, 'a> {
    /// The file.
    pub dex: &'d DexFile<'a>,
    /// Index in `class_defs`.
    pub index: u32,
    /// The definition.
    pub def: ClassDef,
}

/// A method with code (or without, for abstract/native) in a class.
#[derive(Debug, Clone, Copy)]
pub struct Method<'a> {
    /// Index of the defining class in `class_defs`.
    pub class_def_idx: u32,
    /// The encoded method (method id, access flags, code offset).
    pub encoded: EncodedMethod,
    /// The code item, if the method has one.
    pub code: Option<CodeItem<'a>>,
}

impl<'d, 'a> Class<'d, 'a> {
    /// Type descriptor, e.g. `Lcom/x/Y;`.
    pub fn descriptor(&self) -> Result<Cow<'a, str>> {
        self.dex.type_name(self.def.class_idx)
    }

    /// Superclass descriptor, if any.
    pub fn superclass(&self) -> Result<Option<Cow<'a, str>>> {
        if self.def.superclass_idx == NO_INDEX {
            return Ok(None);
        }
        self.dex.type_name(self.def.superclass_idx).map(Some)
    }

    /// Interface descriptors.
    pub fn interfaces(&self) -> Result<Vec<Cow<'a, str>>> {
        self.dex
            .type_list(self.def.interfaces_off)?
            .iter()
            .map(|t| self.dex.type_name(u32::from(t)))
            .collect()
    }

    /// Methods (direct then virtual), with their code items. A method whose code item cannot be
    /// read is returned as an error item; the others are still returned.
    pub fn methods(&self) -> Result<Vec<Result<Method<'a>>>> {
        let data = self.dex.class_data(&self.def)?;
        Ok(data
            .methods
            .into_iter()
            .map(|m| {
                let code = if m.code_off == 0 {
                    None
                } else {
                    Some(self.dex.code_item(m.code_off)?)
                };
                Ok(Method {
                    class_def_idx: self.index,
                    encoded: m,
                    code,
                })
            })
            .collect())
    }
}

impl<'a> DexFile<'a> {
    /// Iterates classes (each item decoded on demand).
    pub fn classes(&self) -> impl Iterator<Item = Result<Class<'_, 'a>>> + '_ {
        (0..self.class_count()).map(move |i| {
            Ok(Class {
                dex: self,
                index: i,
                def: self.class_def(i)?,
            })
        })
    }

    /// Finds the class definition and encoded method defining method id `method_idx`.
    pub fn find_method_def(&self, method_idx: u32) -> Result<Option<Method<'a>>> {
        let mid = self.method_id(method_idx)?;
        for i in 0..self.class_count() {
            let def = self.class_def(i)?;
            if def.class_idx != u32::from(mid.class_idx) {
                continue;
            }
            let data = self.class_data(&def)?;
            for m in data.methods {
                if m.method_idx == method_idx {
                    let code = if m.code_off == 0 {
                        None
                    } else {
                        Some(self.code_item(m.code_off)?)
                    };
                    return Ok(Some(Method {
                        class_def_idx: i,
                        encoded: m,
                        code,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Finds the method id for a smali-style descriptor `Lcom/x/Y;->z(I)V`.
    pub fn find_method(&self, descriptor: &str) -> Result<u32> {
        let bad = || DexError::BadDescriptor(descriptor.to_owned());
        let (class, rest) = descriptor.split_once("->").ok_or_else(bad)?;
        let paren = rest.find('(').ok_or_else(bad)?;
        let (name, proto) = rest.split_at(paren);
        for i in 0..self.method_count() {
            let m = self.method_id(i)?;
            if self.string_raw(m.name_idx)? != name.as_bytes() {
                continue;
            }
            if self.type_name(u32::from(m.class_idx))? != class {
                continue;
            }
            if self.proto_signature(u32::from(m.proto_idx))? == proto {
                return Ok(i);
            }
        }
        Err(DexError::MethodNotFound(descriptor.to_owned()))
    }
}

/// Bounds the work of a whole-file walk. In a well-formed file code items and class data do
/// not overlap, so the total code units (or class members) decoded is at most half the file
/// size; hostile files can point many methods at one code item, or at overlapping ones, to
/// multiply the work. Every structure is charged its size, and once the total exceeds the
/// file size the rest is skipped (and reported by the caller).
#[derive(Debug)]
pub(crate) struct RepeatBudget {
    left: std::sync::atomic::AtomicU64,
}

impl RepeatBudget {
    pub(crate) fn new(file_len: usize) -> Self {
        RepeatBudget {
            left: std::sync::atomic::AtomicU64::new((file_len as u64).saturating_add(1 << 16)),
        }
    }

    /// True if a structure costing `cost` may still be processed (shared across threads).
    pub(crate) fn allow(&self, cost: u64) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.left
            .fetch_update(Relaxed, Relaxed, |l| l.checked_sub(cost))
            .is_ok()
    }
}

/// Summary of a full walk of a dex file ([`DexFile::scan`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Class definitions visited.
    pub classes: u64,
    /// Methods visited (with or without code).
    pub methods: u64,
    /// Instructions decoded (payloads included).
    pub instructions: u64,
    /// Strings that are not valid MUTF-8.
    pub bad_strings: u64,
    /// Errors met (capped at [`Scan::MAX_ERRORS`]).
    pub errors: Vec<String>,
    /// Total errors, including those not kept.
    pub error_count: u64,
}

impl Scan {
    /// Maximum number of error messages kept.
    pub const MAX_ERRORS: usize = 100;

    fn err(&mut self, e: impl std::fmt::Display) {
        self.error_count += 1;
        if self.errors.len() < Self::MAX_ERRORS {
            self.errors.push(e.to_string());
        }
    }
}

impl<'a> DexFile<'a> {
    /// Walks everything: every string, class, field, method, code item (instructions, tries,
    /// handlers, line table), annotation, static value and hidden-API entry, collecting errors
    /// instead of stopping. Used by the fuzz target and to report how damaged a file is.
    pub fn scan(&self) -> Scan {
        let mut s = Scan::default();
        let class_budget = RepeatBudget::new(self.data().len());
        let code_budget = RepeatBudget::new(self.data().len());
        let handler_budget = RepeatBudget::new(self.data().len());
        let mut debug_seen = std::collections::HashSet::new();
        for i in 0..self.string_count() {
            if self.string(i).is_err() {
                s.bad_strings += 1;
            }
        }
        // Budgets in elements decoded; see [`RepeatBudget`]. Shared or overlapping structures
        // (class data, code, handlers, type lists, annotations, static values) cannot multiply
        // the work beyond a few times the file size.
        let misc_budget = RepeatBudget::new(self.data().len());
        let charge = |s: &mut Scan, n: u64, what: &str, ci: u32| -> bool {
            if misc_budget.allow(n) {
                true
            } else {
                s.err(format!(
                    "class_def {ci}: {what}: work budget exhausted, skipped"
                ));
                false
            }
        };
        for class in self.classes() {
            let class = match class {
                Ok(c) => c,
                Err(e) => {
                    s.err(e);
                    continue;
                }
            };
            s.classes += 1;
            let ci = class.index;
            let _ = class.descriptor().map_err(|e| s.err(e));
            let _ = class.superclass().map_err(|e| s.err(e));
            match self.type_list(class.def.interfaces_off) {
                Ok(list) => {
                    if charge(&mut s, list.len() as u64, "interfaces", ci) {
                        for t in list.iter() {
                            let _ = self.type_raw(u32::from(t)).map_err(|e| s.err(e));
                        }
                    }
                }
                Err(e) => s.err(e),
            }
            if class.def.static_values_off != 0 && charge(&mut s, 1, "static values", ci) {
                match self.static_values(&class.def) {
                    Ok(v) => {
                        charge(&mut s, v.len() as u64, "static values", ci);
                    }
                    Err(e) => s.err(e),
                }
            }
            match self.annotations_directory(&class.def) {
                Ok(Some(dir)) => {
                    let n = 1 + dir.fields.len() + dir.methods.len() + dir.parameters.len();
                    if charge(&mut s, n as u64, "annotations", ci) {
                        let sets = std::iter::once(dir.class_annotations_off)
                            .chain(dir.fields.iter().map(|f| f.1))
                            .chain(dir.methods.iter().map(|m| m.1));
                        for set in sets {
                            if !charge(&mut s, 1, "annotations", ci) {
                                break;
                            }
                            match dir.annotations(set) {
                                Ok(v) => {
                                    charge(&mut s, v.len() as u64, "annotations", ci);
                                }
                                Err(e) => s.err(e),
                            }
                        }
                        for &(_, list) in &dir.parameters {
                            if !charge(&mut s, 1, "parameter annotations", ci) {
                                break;
                            }
                            match dir.parameter_annotations(list) {
                                Ok(v) => {
                                    let n: usize = v.iter().map(|a| a.len() + 1).sum();
                                    charge(&mut s, n as u64, "parameter annotations", ci);
                                }
                                Err(e) => s.err(e),
                            }
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => s.err(e),
            }
            let members = match self.class_data_member_count(&class.def) {
                Ok(n) => n,
                Err(e) => {
                    s.err(e);
                    continue;
                }
            };
            if !class_budget.allow(members) {
                s.err(format!(
                    "class_def {ci}: class_data work budget exhausted (overlapping or shared items), skipped"
                ));
                continue;
            }
            let data = match self.class_data(&class.def) {
                Ok(d) => d,
                Err(e) => {
                    s.err(e);
                    continue;
                }
            };
            let _ = self
                .hiddenapi_flags_known(ci, data.fields.len() + data.methods.len())
                .map_err(|e| s.err(e));
            for f in &data.fields {
                let _ = self.field_id(f.field_idx).map_err(|e| s.err(e));
            }
            for m in &data.methods {
                s.methods += 1;
                let _ = self.method_id(m.method_idx).map_err(|e| s.err(e));
                if m.code_off == 0 {
                    continue;
                }
                let code = match self.code_item(m.code_off) {
                    Ok(c) => c,
                    Err(e) => {
                        s.err(e);
                        continue;
                    }
                };
                if !code_budget.allow(u64::from(code.insns_size())) {
                    s.err(format!(
                        "method {}: code item work budget exhausted (overlapping or shared items), skipped",
                        m.method_idx
                    ));
                    continue;
                }
                for item in code.instructions() {
                    match item {
                        Ok(_) => s.instructions += 1,
                        Err(e) => s.err(e),
                    }
                }
                match code.tries() {
                    Ok(tries) => {
                        // Handlers are usually shared by several tries: decode each once, and
                        // charge the clauses to a per-file budget (overlapping handler offsets
                        // could otherwise multiply the work).
                        let mut seen = std::collections::HashSet::new();
                        for t in tries {
                            if !seen.insert(t.handler_off) {
                                continue;
                            }
                            if !handler_budget.allow(1) {
                                s.err(format!(
                                    "method {}: catch handler work budget exhausted",
                                    m.method_idx
                                ));
                                break;
                            }
                            match code.catch_handler(t.handler_off) {
                                Ok(h) => {
                                    if !handler_budget.allow(h.len() as u64) {
                                        s.err(format!(
                                            "method {}: catch handler work budget exhausted",
                                            m.method_idx
                                        ));
                                        break;
                                    }
                                }
                                Err(e) => s.err(e),
                            }
                        }
                    }
                    Err(e) => s.err(e),
                }
                if code.debug_info_off != 0 && debug_seen.insert(code.debug_info_off) {
                    let _ = code.positions().map_err(|e| s.err(e));
                }
            }
        }
        for i in 0..self.call_site_count() {
            let _ = self.call_site(i).map_err(|e| s.err(e));
        }
        s
    }
}
