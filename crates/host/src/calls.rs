//! What one call that carries events may hold: the WIT's `client.issue`
//! limits (generated into `call_limits.rs`), checked before the
//! call because the component could only trap on what does not fit its
//! memory. The text is counted through the generated types' `Serialize`
//! (a serializer that only adds up string lengths), so nothing here lists
//! a WIT field, and nothing is allocated.

use crate::bindings::exports::github_runner::metrics::promtail::{Error as WitError, InvalidInput};
use crate::call_limits::{CALL_ITEMS_MAX, CALL_TEXT_MAX};
use crate::error::Error;
use serde::Serialize;
use serde::ser;
use std::fmt;

/// `Ok`, or the `invalid-event` refusal of `value` (the argument `field`)
/// as more than one call takes. `items`: its length, when it is a list.
pub fn check<T: Serialize + ?Sized>(
    field: &str,
    items: Option<usize>,
    value: &T,
) -> Result<(), Error> {
    let reason = match items {
        Some(n) if n > CALL_ITEMS_MAX => {
            format!("holds {n} items, more than the {CALL_ITEMS_MAX} one call takes")
        }
        _ if value.serialize(&mut Text(0)).is_err() => {
            format!("holds more than {CALL_TEXT_MAX} bytes of text, the most one call takes")
        }
        _ => return Ok(()),
    };
    Err(Error::Component(WitError::InvalidEvent(InvalidInput {
        field: field.to_string(),
        reason,
    })))
}

/// Bytes of text seen so far; serializing fails once past the limit.
struct Text(usize);

/// Past [`CALL_TEXT_MAX`] (the only way counting fails).
#[derive(Debug)]
struct TooMuch;

impl fmt::Display for TooMuch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("more text than one call takes")
    }
}

impl std::error::Error for TooMuch {}

impl ser::Error for TooMuch {
    fn custom<M: fmt::Display>(_: M) -> Self {
        TooMuch
    }
}

impl Text {
    fn add(&mut self, bytes: usize) -> Result<(), TooMuch> {
        self.0 = self.0.saturating_add(bytes);
        if self.0 > CALL_TEXT_MAX {
            Err(TooMuch)
        } else {
            Ok(())
        }
    }
}

/// Scalars hold no text.
macro_rules! no_text {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<(), TooMuch> { Ok(()) })*
    };
}

impl ser::Serializer for &mut Text {
    type Ok = ();
    type Error = TooMuch;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    no_text!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_unit_struct(&'static str),
    );

    fn serialize_str(self, v: &str) -> Result<(), TooMuch> {
        self.add(v.len())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), TooMuch> {
        self.add(v.len())
    }
    fn serialize_none(self) -> Result<(), TooMuch> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), TooMuch> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), TooMuch> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), TooMuch> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), TooMuch> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), TooMuch> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, TooMuch> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, TooMuch> {
        Ok(self)
    }
}

/// Every compound: each element, field or key and value, counted in turn
/// (field names are the type's, not text the call carries).
macro_rules! compound {
    ($($trait:ident::$method:ident$(($key:ty))?),* $(,)?) => {$(
        impl ser::$trait for &mut Text {
            type Ok = ();
            type Error = TooMuch;
            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $key,)? v: &T) -> Result<(), TooMuch> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), TooMuch> {
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str),
);

impl ser::SerializeMap for &mut Text {
    type Ok = ();
    type Error = TooMuch;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), TooMuch> {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), TooMuch> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TooMuch> {
        Ok(())
    }
}
