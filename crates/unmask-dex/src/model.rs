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
                let code = if m.code_off == 0 { None } else { Some(self.dex.code_item(m.code_off)?) };
                Ok(Method { class_def_idx: self.index, encoded: m, code })
            })
            .collect())
    }
}

impl<'a> DexFile<'a> {
    /// Iterates classes (each item decoded on demand).
    pub fn classes(&self) -> impl Iterator<Item = Result<Class<'_, 'a>>> + '_ {
        (0..self.class_count()).map(move |i| Ok(Class { dex: self, index: i, def: self.class_def(i)? }))
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
                    let code = if m.code_off == 0 { None } else { Some(self.code_item(m.code_off)?) };
                    return Ok(Some(Method { class_def_idx: i, encoded: m, code }));
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
