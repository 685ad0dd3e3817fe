//! The schema-driven walk from protobuf messages to the JSON Go would print for them.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::schema::{Card, Field, Scalar, Schema, Special, Ty};
use super::wire::{Reader, WireType};
use super::{DecodeError, MAGIC};

/// Deeper than any real object (CRD schemas nest a few dozen levels); stops a hostile body
/// from exhausting the stack.
const MAX_DEPTH: usize = 100;

/// The `runtime.Unknown` envelope.
#[derive(Default)]
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
    content_type: String,
}

fn string(bytes: &[u8]) -> String {
    // Go does not check UTF-8 when it decodes protobuf strings and prints invalid bytes
    // as U+FFFD in JSON.
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_envelope(body: &[u8]) -> Result<Envelope<'_>, DecodeError> {
    let mut envelope = Envelope::default();
    let mut reader = Reader::new(body);
    while !reader.is_empty() {
        let (tag, wire) = reader.key()?;
        if wire != WireType::Len {
            reader.skip(wire)?;
            continue;
        }
        let bytes = reader.bytes()?;
        match tag {
            1 => {
                let mut type_meta = Reader::new(bytes);
                while !type_meta.is_empty() {
                    let (tag, wire) = type_meta.key()?;
                    match (tag, wire) {
                        (1, WireType::Len) => envelope.api_version = string(type_meta.bytes()?),
                        (2, WireType::Len) => envelope.kind = string(type_meta.bytes()?),
                        _ => type_meta.skip(wire)?,
                    }
                }
            }
            2 => envelope.raw = bytes,
            3 => envelope.content_encoding = string(bytes),
            4 => envelope.content_type = string(bytes),
            _ => {}
        }
    }
    Ok(envelope)
}

/// Decodes `k8s\0` + `runtime.Unknown` into the object with `apiVersion` and `kind` first.
pub(super) fn decode_envelope(body: &[u8], depth: usize) -> Result<Value, DecodeError> {
    let rest = body.strip_prefix(MAGIC).ok_or(DecodeError::BadMagic)?;
    let envelope = parse_envelope(rest)?;
    if envelope.api_version.is_empty() {
        return Err(DecodeError::MissingTypeMeta("apiVersion"));
    }
    if envelope.kind.is_empty() {
        return Err(DecodeError::MissingTypeMeta("kind"));
    }
    if !envelope.content_encoding.is_empty() {
        return Err(DecodeError::Unsupported(format!(
            "content encoding {:?}",
            envelope.content_encoding
        )));
    }
    let mut object = Map::new();
    object.insert(
        "apiVersion".into(),
        Value::String(envelope.api_version.clone()),
    );
    object.insert("kind".into(), Value::String(envelope.kind.clone()));
    let fields = match envelope.content_type.as_str() {
        "" | super::CONTENT_TYPE => {
            let schema = Schema::get();
            let index = schema
                .kind(&envelope.api_version, &envelope.kind)
                .ok_or_else(|| DecodeError::UnknownKind {
                    api_version: envelope.api_version.clone(),
                    kind: envelope.kind.clone(),
                })?;
            Walker { schema }.object(index, envelope.raw, depth)?
        }
        "application/json" => match serde_json::from_slice(envelope.raw) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => return Err(DecodeError::Malformed("raw JSON is not an object".into())),
            Err(source) => {
                return Err(DecodeError::EmbeddedJson {
                    field: "the envelope's raw bytes".into(),
                    source,
                });
            }
        },
        other => {
            return Err(DecodeError::Unsupported(format!("content type {other:?}")));
        }
    };
    for (key, value) in fields {
        if key != "apiVersion" && key != "kind" {
            object.insert(key, value);
        }
    }
    Ok(Value::Object(object))
}

fn wrong_wire(field: &Field, wire: WireType) -> DecodeError {
    DecodeError::Malformed(format!(
        "field {:?} (number {}) has wire type {}, which does not fit its type",
        field.json,
        field.tag,
        wire.number()
    ))
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        Value::Null => true,
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// A float as Go's `encoding/json` prints it: integral values without a fraction.
fn float(value: f64) -> Result<Value, DecodeError> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(value as i64));
    }
    serde_json::Number::from_f64(value)
        .map(Value::Number)
        .ok_or_else(|| DecodeError::Malformed(format!("{value} cannot be written as JSON")))
}

struct Walker {
    schema: &'static Schema,
}

impl Walker {
    /// Decodes a message into the JSON object of its fields, in Go struct order.
    fn object(
        &self,
        index: usize,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Map<String, Value>, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep(MAX_DEPTH));
        }
        let message = &self.schema.messages[index];
        let mut slots: Vec<Option<Value>> = vec![None; message.fields.len()];
        let mut reader = Reader::new(bytes);
        while !reader.is_empty() {
            let (tag, wire) = reader.key()?;
            let Some(slot) = message.fields.iter().position(|f| f.tag == tag) else {
                // Go skips fields it does not know too.
                reader.skip(wire)?;
                continue;
            };
            let field = &message.fields[slot];
            match field.card {
                Card::Single => slots[slot] = self.single(field, wire, &mut reader, depth)?,
                Card::Repeated => {
                    let items = slots[slot].get_or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = items {
                        self.repeated(field, wire, &mut reader, depth, items)?;
                    }
                }
                Card::Map => {
                    if wire != WireType::Len {
                        return Err(wrong_wire(field, wire));
                    }
                    let (key, value) = self.map_entry(field, reader.bytes()?, depth)?;
                    let entries = slots[slot].get_or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(entries) = entries {
                        entries.insert(key, value);
                    }
                }
            }
        }
        let mut out = Map::new();
        for (field, slot) in message.fields.iter().zip(slots) {
            match slot {
                Some(Value::Object(inner)) if field.inline => out.extend(inner),
                Some(value) => {
                    out.insert(field.json.to_string(), value);
                }
                None => {}
            }
        }
        Ok(out)
    }

    /// A singular field; `None` when Go's JSON would leave it out.
    fn single(
        &self,
        field: &Field,
        wire: WireType,
        reader: &mut Reader<'_>,
        depth: usize,
    ) -> Result<Option<Value>, DecodeError> {
        let value = match field.ty {
            Ty::Scalar(scalar) => {
                let value = self.scalar(field, scalar, wire, reader)?;
                let keep_zero = field.required
                    || match scalar {
                        Scalar::String => field.keep_empty,
                        Scalar::Bytes => false,
                        _ => !field.omit_zero,
                    };
                return Ok((keep_zero || !is_zero(&value)).then_some(value));
            }
            Ty::Message(index) => {
                if wire != WireType::Len {
                    return Err(wrong_wire(field, wire));
                }
                self.message(index, reader.bytes()?, depth + 1)?
            }
        };
        // An IntOrString value field that is zero (see OMIT_ZERO).
        Ok(value.filter(|v| !(field.omit_zero && is_zero(v))))
    }

    /// Appends one occurrence of a repeated field (several values when packed).
    fn repeated(
        &self,
        field: &Field,
        wire: WireType,
        reader: &mut Reader<'_>,
        depth: usize,
        items: &mut Vec<Value>,
    ) -> Result<(), DecodeError> {
        match field.ty {
            Ty::Scalar(
                scalar @ (Scalar::Int32 | Scalar::Int64 | Scalar::Bool | Scalar::Double),
            ) if wire == WireType::Len => {
                let mut packed = Reader::new(reader.bytes()?);
                let element = if scalar == Scalar::Double {
                    WireType::Fixed64
                } else {
                    WireType::Varint
                };
                while !packed.is_empty() {
                    items.push(self.scalar(field, scalar, element, &mut packed)?);
                }
            }
            Ty::Scalar(scalar) => items.push(self.scalar(field, scalar, wire, reader)?),
            Ty::Message(index) => {
                if wire != WireType::Len {
                    return Err(wrong_wire(field, wire));
                }
                let value = self.message(index, reader.bytes()?, depth + 1)?;
                items.push(value.unwrap_or(Value::Null));
            }
        }
        Ok(())
    }

    /// One `map<string, V>` entry: key is field 1, value field 2.
    fn map_entry(
        &self,
        field: &Field,
        bytes: &[u8],
        depth: usize,
    ) -> Result<(String, Value), DecodeError> {
        let mut key = String::new();
        let mut value = None;
        let mut reader = Reader::new(bytes);
        while !reader.is_empty() {
            let (tag, wire) = reader.key()?;
            match tag {
                1 if wire == WireType::Len => key = string(reader.bytes()?),
                2 => {
                    value = Some(match field.ty {
                        Ty::Scalar(scalar) => self.scalar(field, scalar, wire, &mut reader)?,
                        Ty::Message(index) => {
                            if wire != WireType::Len {
                                return Err(wrong_wire(field, wire));
                            }
                            self.message(index, reader.bytes()?, depth + 1)?
                                .unwrap_or(Value::Null)
                        }
                    });
                }
                _ => reader.skip(wire)?,
            }
        }
        let value = match (value, field.ty) {
            (Some(value), _) => value,
            (None, Ty::Scalar(Scalar::String | Scalar::Bytes)) => Value::String(String::new()),
            (None, Ty::Scalar(_)) => Value::from(0),
            (None, Ty::Message(index)) => {
                self.message(index, &[], depth + 1)?.unwrap_or(Value::Null)
            }
        };
        Ok((key, value))
    }

    fn scalar(
        &self,
        field: &Field,
        scalar: Scalar,
        wire: WireType,
        reader: &mut Reader<'_>,
    ) -> Result<Value, DecodeError> {
        let expected = match scalar {
            Scalar::String | Scalar::Bytes => WireType::Len,
            Scalar::Int32 | Scalar::Int64 | Scalar::Bool => WireType::Varint,
            Scalar::Double => WireType::Fixed64,
        };
        if wire != expected {
            return Err(wrong_wire(field, wire));
        }
        Ok(match scalar {
            Scalar::String => Value::String(string(reader.bytes()?)),
            Scalar::Bytes => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(reader.bytes()?))
            }
            // int32 travels sign-extended to 64 bits; the low half is the value.
            Scalar::Int32 => Value::from(reader.varint()? as i32),
            Scalar::Int64 => Value::from(reader.varint()? as i64),
            Scalar::Bool => Value::Bool(reader.varint()? != 0),
            Scalar::Double => float(f64::from_bits(reader.fixed64()?))?,
        })
    }

    /// A message's JSON value; `None` for a special value Go prints as `null`.
    fn message(
        &self,
        index: usize,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Option<Value>, DecodeError> {
        let message = &self.schema.messages[index];
        if message.special == Special::None {
            return self
                .object(index, bytes, depth)
                .map(|o| Some(Value::Object(o)));
        }
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep(MAX_DEPTH));
        }
        // Special messages: read the few fields by number.
        let mut ints = [0i64; 3];
        let mut texts: [Option<&[u8]>; 3] = [None; 3];
        let mut list: Vec<Value> = Vec::new();
        let mut schema_value: Option<Value> = None;
        let mut reader = Reader::new(bytes);
        while !reader.is_empty() {
            let (tag, wire) = reader.key()?;
            let slot = (tag as usize).wrapping_sub(1);
            match (message.special, tag, wire) {
                (
                    Special::SchemaOrArray | Special::SchemaOrBool | Special::SchemaOrStringArray,
                    _,
                    WireType::Len,
                ) if self.is_schema_field(index, tag) => {
                    let value = self.message_field(index, tag, reader.bytes()?, depth)?;
                    if message.special == Special::SchemaOrArray && tag == 2 {
                        list.push(value);
                    } else {
                        schema_value = Some(value);
                    }
                }
                (Special::StringList, 1, WireType::Len)
                | (Special::SchemaOrStringArray, 2, WireType::Len) => {
                    list.push(Value::String(string(reader.bytes()?)));
                }
                (_, 1..=3, WireType::Varint) => ints[slot] = reader.varint()? as i64,
                (_, 1..=3, WireType::Len) => texts[slot] = Some(reader.bytes()?),
                _ => reader.skip(wire)?,
            }
        }
        let text = |i: usize| texts[i].map(string).unwrap_or_default();
        Ok(match message.special {
            Special::None => None,
            Special::Time | Special::MicroTime => time(
                ints[0],
                ints[1],
                message.special == Special::MicroTime,
                bytes.is_empty(),
            )?,
            Special::Duration => Some(Value::String(go_duration(ints[0]))),
            // Go prints the zero Quantity as "0".
            Special::Quantity => Some(Value::String(
                Some(text(0))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "0".into()),
            )),
            Special::IntOrString => match ints[0] {
                0 => Some(Value::from(ints[1] as i32)),
                1 => Some(Value::String(text(2))),
                other => {
                    return Err(DecodeError::Malformed(format!(
                        "IntOrString has type {other}, expected 0 (int) or 1 (string)"
                    )));
                }
            },
            Special::RawExtension => match texts[0] {
                Some(raw) if raw.starts_with(MAGIC) => Some(decode_envelope(raw, depth + 1)?),
                Some(raw) => embedded_json(raw, message.name)?,
                None => None,
            },
            Special::RawJson => match texts[0] {
                Some(raw) => embedded_json(raw, message.name)?,
                None => None,
            },
            Special::StringList => Some(Value::Array(list)),
            Special::SchemaOrArray => Some(if list.is_empty() {
                schema_value.unwrap_or(Value::Null)
            } else {
                Value::Array(list)
            }),
            Special::SchemaOrBool => Some(schema_value.unwrap_or(Value::Bool(ints[0] != 0))),
            Special::SchemaOrStringArray => Some(if list.is_empty() {
                schema_value.unwrap_or(Value::Null)
            } else {
                Value::Array(list)
            }),
        })
    }

    fn is_schema_field(&self, index: usize, tag: u32) -> bool {
        matches!(
            self.schema.messages[index].field(tag).map(|f| f.ty),
            Some(Ty::Message(_))
        )
    }

    fn message_field(
        &self,
        index: usize,
        tag: u32,
        bytes: &[u8],
        depth: usize,
    ) -> Result<Value, DecodeError> {
        match self.schema.messages[index].field(tag).map(|f| f.ty) {
            Some(Ty::Message(inner)) => Ok(self
                .message(inner, bytes, depth + 1)?
                .unwrap_or(Value::Null)),
            _ => Ok(Value::Null),
        }
    }
}

/// Raw JSON bytes carried inside a message; empty means Go's `null`.
fn embedded_json(raw: &[u8], field: &str) -> Result<Option<Value>, DecodeError> {
    if raw.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(raw)
        .map(Some)
        .map_err(|source| DecodeError::EmbeddedJson {
            field: field.to_string(),
            source,
        })
}

/// Seconds of 0001-01-01T00:00:00Z, Go's zero `time.Time`.
const GO_ZERO_TIME: i64 = -62_135_596_800;

/// `metav1.Time` (seconds precision) or `metav1.MicroTime` as Go prints them, in UTC.
/// An empty message is Go's zero time, which prints as `null`: left out.
fn time(seconds: i64, nanos: i64, micro: bool, empty: bool) -> Result<Option<Value>, DecodeError> {
    if empty || (seconds == GO_ZERO_TIME && nanos == 0) {
        return Ok(None);
    }
    // Go's time.Unix normalizes the nanoseconds into [0, 1s) the same way.
    let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    let whole = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| DecodeError::Malformed(format!("timestamp {seconds}s out of range")))?;
    let sub = total.rem_euclid(1_000_000_000);
    let stamp = jiff::Timestamp::from_second(whole)
        .map_err(|e| DecodeError::Malformed(format!("timestamp {seconds}s out of range: {e}")))?;
    let mut text = stamp.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if micro {
        text.push_str(&format!(".{:06}", sub / 1_000));
    }
    text.push('Z');
    Ok(Some(Value::String(text)))
}

/// A `time.Duration` as Go's `Duration.String` prints it: `1h2m3.5s`, `1.5ms`, `0s`.
pub(super) fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let mut total = nanos.unsigned_abs();
    // The fraction of `value` below 10^digits, without trailing zeros.
    let fraction = |value: u64, digits: u32| -> String {
        let part = value % 10u64.pow(digits);
        if part == 0 {
            return String::new();
        }
        let text = format!("{part:0width$}", width = digits as usize);
        format!(".{}", text.trim_end_matches('0'))
    };
    if total < 1_000_000_000 {
        let (digits, unit) = match total {
            0..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let whole = total / 10u64.pow(digits);
        return format!("{sign}{whole}{}{unit}", fraction(total, digits));
    }
    let seconds_fraction = fraction(total, 9);
    total /= 1_000_000_000;
    let seconds = total % 60;
    total /= 60;
    let mut text = format!("{seconds}{seconds_fraction}s");
    if total > 0 {
        text = format!("{}m{text}", total % 60);
        total /= 60;
        if total > 0 {
            text = format!("{total}h{text}");
        }
    }
    format!("{sign}{text}")
}
