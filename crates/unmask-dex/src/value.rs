//! Encoded values (static values, annotation elements, call sites) and annotations.
//!
//! Nesting is bounded by [`MAX_DEPTH`]; every element consumes at least one byte, so the work
//! is linear in the bytes read.

use crate::error::{oob, DexError, Result};
use crate::reader::{u32_at, Cursor};

/// Maximum nesting of arrays/annotations inside encoded values.
pub const MAX_DEPTH: u32 = 32;

/// An `encoded_value`.
#[derive(Debug, Clone, PartialEq)]
pub enum EncodedValue<'a> {
    /// byte
    Byte(i8),
    /// short
    Short(i16),
    /// char
    Char(u16),
    /// int
    Int(i32),
    /// long
    Long(i64),
    /// float
    Float(f32),
    /// double
    Double(f64),
    /// proto index (method type)
    MethodType(u32),
    /// method handle index
    MethodHandle(u32),
    /// string index
    String(u32),
    /// type index
    Type(u32),
    /// field index
    Field(u32),
    /// method index
    Method(u32),
    /// enum field index
    Enum(u32),
    /// array
    Array(Vec<EncodedValue<'a>>),
    /// sub-annotation
    Annotation(EncodedAnnotation<'a>),
    /// null
    Null,
    /// boolean
    Boolean(bool),
    /// An unknown value type byte (reported, not fatal to the caller that reads the raw bytes).
    Unknown(u8, &'a [u8]),
}

/// An `encoded_annotation`.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedAnnotation<'a> {
    /// Annotation type index.
    pub type_idx: u32,
    /// `(name string index, value)` pairs.
    pub elements: Vec<(u32, EncodedValue<'a>)>,
}

/// An `annotation_item`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationItem<'a> {
    /// 0 build, 1 runtime, 2 system.
    pub visibility: u8,
    /// The annotation.
    pub annotation: EncodedAnnotation<'a>,
}

fn read_uint(c: &mut Cursor<'_>, n: usize) -> Result<u64> {
    let b = c.bytes(n, "encoded_value")?;
    Ok(b.iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

fn sign_extend(v: u64, n: usize) -> i64 {
    let shift = 64 - 8 * n as u32;
    ((v << shift) as i64) >> shift
}

pub(crate) fn read_value<'a>(c: &mut Cursor<'a>, depth: u32) -> Result<EncodedValue<'a>> {
    if depth > MAX_DEPTH {
        return Err(DexError::Limit {
            what: "encoded value nesting",
            count: u64::from(depth),
            limit: u64::from(MAX_DEPTH),
        });
    }
    let start = c.pos;
    let tb = c.u8("encoded_value")?;
    let ty = tb & 0x1f;
    let arg = usize::from(tb >> 5);
    let n = arg + 1;
    let bad = |detail| DexError::Malformed {
        what: "encoded_value",
        offset: start as u64,
        detail,
    };
    Ok(match ty {
        0x00 => EncodedValue::Byte(sign_extend(read_uint(c, 1)?, 1) as i8),
        0x02 if n <= 2 => EncodedValue::Short(sign_extend(read_uint(c, n)?, n) as i16),
        0x03 if n <= 2 => EncodedValue::Char(read_uint(c, n)? as u16),
        0x04 if n <= 4 => EncodedValue::Int(sign_extend(read_uint(c, n)?, n) as i32),
        0x06 => EncodedValue::Long(sign_extend(read_uint(c, n)?, n)),
        0x10 if n <= 4 => {
            EncodedValue::Float(f32::from_bits((read_uint(c, n)? << (8 * (4 - n))) as u32))
        }
        0x11 => EncodedValue::Double(f64::from_bits(read_uint(c, n)? << (8 * (8 - n)))),
        0x15..=0x1b if n <= 4 => {
            let v = read_uint(c, n)? as u32;
            match ty {
                0x15 => EncodedValue::MethodType(v),
                0x16 => EncodedValue::MethodHandle(v),
                0x17 => EncodedValue::String(v),
                0x18 => EncodedValue::Type(v),
                0x19 => EncodedValue::Field(v),
                0x1a => EncodedValue::Method(v),
                _ => EncodedValue::Enum(v),
            }
        }
        0x1c if arg == 0 => EncodedValue::Array(read_array(c, depth + 1)?),
        0x1d if arg == 0 => EncodedValue::Annotation(read_annotation(c, depth + 1)?),
        0x1e if arg == 0 => EncodedValue::Null,
        0x1f if arg <= 1 => EncodedValue::Boolean(arg == 1),
        _ => return Err(bad("bad value type or size")),
    })
}

fn read_array<'a>(c: &mut Cursor<'a>, depth: u32) -> Result<Vec<EncodedValue<'a>>> {
    let n = c.uleb128()? as usize;
    if n > c.remaining() {
        return Err(DexError::Limit {
            what: "encoded_array size",
            count: n as u64,
            limit: c.remaining() as u64,
        });
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(read_value(c, depth)?);
    }
    Ok(out)
}

pub(crate) fn read_annotation<'a>(c: &mut Cursor<'a>, depth: u32) -> Result<EncodedAnnotation<'a>> {
    let type_idx = c.uleb128()?;
    let n = c.uleb128()? as usize;
    if n > c.remaining() / 2 {
        return Err(DexError::Limit {
            what: "annotation element count",
            count: n as u64,
            limit: c.remaining() as u64 / 2,
        });
    }
    let mut elements = Vec::with_capacity(n);
    for _ in 0..n {
        let name = c.uleb128()?;
        elements.push((name, read_value(c, depth)?));
    }
    Ok(EncodedAnnotation { type_idx, elements })
}

/// Reads an `encoded_array_item` at `off`.
pub fn encoded_array_at(data: &[u8], off: usize) -> Result<Vec<EncodedValue<'_>>> {
    let mut c = Cursor::new(data, off);
    read_array(&mut c, 0)
}

/// Reads an `annotation_item` at `off`.
pub fn annotation_at(data: &[u8], off: usize) -> Result<AnnotationItem<'_>> {
    let mut c = Cursor::new(data, off);
    let visibility = c.u8("annotation_item")?;
    Ok(AnnotationItem {
        visibility,
        annotation: read_annotation(&mut c, 0)?,
    })
}

/// Reads an `annotation_set_item` at `off`: the offsets of its annotation items.
pub fn annotation_set_at(data: &[u8], off: usize) -> Result<Vec<u32>> {
    if off == 0 {
        return Ok(Vec::new());
    }
    let n = u32_at(data, off, "annotation_set")? as usize;
    if n > data.len().saturating_sub(off + 4) / 4 {
        return Err(oob("annotation_set", off));
    }
    (0..n)
        .map(|i| u32_at(data, off + 4 + i * 4, "annotation_set"))
        .collect()
}

/// An `annotations_directory_item`.
#[derive(Debug, Clone)]
pub struct AnnotationsDirectory<'a> {
    data: &'a [u8],
    /// Offset of the class annotation set, 0 if none.
    pub class_annotations_off: u32,
    /// `(field_idx, annotation_set_off)`.
    pub fields: Vec<(u32, u32)>,
    /// `(method_idx, annotation_set_off)`.
    pub methods: Vec<(u32, u32)>,
    /// `(method_idx, annotation_set_ref_list_off)`.
    pub parameters: Vec<(u32, u32)>,
}

impl<'a> AnnotationsDirectory<'a> {
    /// Parses the directory at `off`.
    pub fn parse(data: &'a [u8], off: usize) -> Result<Self> {
        let mut c = Cursor::new(data, off);
        let class_annotations_off = c.u32("annotations_directory")?;
        let nf = c.u32("annotations_directory")? as usize;
        let nm = c.u32("annotations_directory")? as usize;
        let np = c.u32("annotations_directory")? as usize;
        let total = (nf as u64 + nm as u64 + np as u64) * 8;
        if total > c.remaining() as u64 {
            return Err(DexError::Limit {
                what: "annotations directory entries",
                count: total,
                limit: c.remaining() as u64,
            });
        }
        let mut read = |n: usize| -> Result<Vec<(u32, u32)>> {
            (0..n)
                .map(|_| {
                    Ok((
                        c.u32("annotations_directory")?,
                        c.u32("annotations_directory")?,
                    ))
                })
                .collect()
        };
        let fields = read(nf)?;
        let methods = read(nm)?;
        let parameters = read(np)?;
        Ok(AnnotationsDirectory {
            data,
            class_annotations_off,
            fields,
            methods,
            parameters,
        })
    }

    /// Decodes an `annotation_set_ref_list` (from [`AnnotationsDirectory::parameters`]): one
    /// annotation set per parameter (empty for a parameter without annotations).
    pub fn parameter_annotations(&self, ref_list_off: u32) -> Result<Vec<Vec<AnnotationItem<'a>>>> {
        let off = ref_list_off as usize;
        let n = u32_at(self.data, off, "annotation_set_ref_list")? as usize;
        if n > self.data.len().saturating_sub(off + 4) / 4 {
            return Err(oob("annotation_set_ref_list", off));
        }
        (0..n)
            .map(|i| {
                let set = u32_at(self.data, off + 4 + i * 4, "annotation_set_ref_list")?;
                if set == 0 {
                    Ok(Vec::new())
                } else {
                    self.annotations(set)
                }
            })
            .collect()
    }

    /// Decodes the annotations of an annotation set (e.g. `class_annotations_off`).
    pub fn annotations(&self, set_off: u32) -> Result<Vec<AnnotationItem<'a>>> {
        annotation_set_at(self.data, set_off as usize)?
            .into_iter()
            .map(|o| annotation_at(self.data, o as usize))
            .collect()
    }
}
