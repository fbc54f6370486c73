//! `Res_value` decoding shared by AXML and ARSC.

use crate::string_pool::StringPool;
use crate::Value;

/// `Res_value::TYPE_NULL`.
pub const TYPE_NULL: u8 = 0x00;
/// `Res_value::TYPE_REFERENCE`.
pub const TYPE_REFERENCE: u8 = 0x01;
/// `Res_value::TYPE_ATTRIBUTE`.
pub const TYPE_ATTRIBUTE: u8 = 0x02;
/// `Res_value::TYPE_STRING`.
pub const TYPE_STRING: u8 = 0x03;
/// `Res_value::TYPE_FLOAT`.
pub const TYPE_FLOAT: u8 = 0x04;
/// `Res_value::TYPE_DIMENSION`.
pub const TYPE_DIMENSION: u8 = 0x05;
/// `Res_value::TYPE_FRACTION`.
pub const TYPE_FRACTION: u8 = 0x06;
/// `Res_value::TYPE_DYNAMIC_REFERENCE`.
pub const TYPE_DYNAMIC_REFERENCE: u8 = 0x07;
/// `Res_value::TYPE_INT_DEC`.
pub const TYPE_INT_DEC: u8 = 0x10;
/// `Res_value::TYPE_INT_HEX`.
pub const TYPE_INT_HEX: u8 = 0x11;
/// `Res_value::TYPE_INT_BOOLEAN`.
pub const TYPE_INT_BOOLEAN: u8 = 0x12;
/// First `Res_value::TYPE_INT_COLOR_*`.
pub const TYPE_FIRST_COLOR_INT: u8 = 0x1c;
/// Last `Res_value::TYPE_INT_COLOR_*`.
pub const TYPE_LAST_COLOR_INT: u8 = 0x1f;
/// Pseudo data type used by [`Value::Other`] for a complex (bag / map) resource entry,
/// whose `data` is the parent resource id. Not a real `Res_value` type.
pub const TYPE_BAG: u8 = 0xfe;

/// Decodes `(dataType, data)` into a [`Value`], looking strings up in `pool`.
pub fn decode(data_type: u8, data: u32, pool: &StringPool<'_>) -> Value {
    match data_type {
        TYPE_NULL => Value::Null(data),
        TYPE_REFERENCE => Value::Reference(data),
        TYPE_ATTRIBUTE => Value::Attribute(data),
        TYPE_STRING => match pool.get(data) {
            Some(s) => Value::String(s.into()),
            None => Value::Other { data_type, data },
        },
        TYPE_FLOAT => Value::Float(f32::from_bits(data)),
        TYPE_DIMENSION => Value::Dimension(data),
        TYPE_FRACTION => Value::Fraction(data),
        TYPE_DYNAMIC_REFERENCE => Value::DynamicReference(data),
        TYPE_INT_DEC => Value::IntDec(data as i32),
        TYPE_INT_HEX => Value::IntHex(data),
        TYPE_INT_BOOLEAN => Value::Bool(data != 0),
        TYPE_FIRST_COLOR_INT..=TYPE_LAST_COLOR_INT => Value::Color(data),
        _ => Value::Other { data_type, data },
    }
}

impl Value {
    /// The value as a string if it is a string (no reference resolution).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer if it is an integer or boolean type.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::IntDec(i) => Some(i64::from(*i)),
            Value::IntHex(u) | Value::Color(u) => Some(i64::from(*u)),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// The value as a boolean if it is a boolean (or an integer, non-zero = true).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::IntDec(i) => Some(*i != 0),
            Value::IntHex(u) => Some(*u != 0),
            _ => None,
        }
    }

    /// The reference id if this is `@0x...`.
    pub fn as_reference(&self) -> Option<u32> {
        match self {
            Value::Reference(r) => Some(*r),
            _ => None,
        }
    }
}
