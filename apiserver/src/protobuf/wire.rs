//! The protobuf wire format: a reader for decoding and a few writers for encoding.

use super::DecodeError;

/// How a field's value is laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WireType {
    /// A base-128 varint (int32, int64, bool).
    Varint,
    /// Eight little-endian bytes (double).
    Fixed64,
    /// A varint length, then that many bytes (string, bytes, message, packed).
    Len,
    /// Four little-endian bytes (float; unused by Kubernetes).
    Fixed32,
}

impl WireType {
    fn from_raw(raw: u64) -> Result<Self, DecodeError> {
        match raw {
            0 => Ok(Self::Varint),
            1 => Ok(Self::Fixed64),
            2 => Ok(Self::Len),
            5 => Ok(Self::Fixed32),
            3 | 4 => Err(DecodeError::Malformed(
                "protobuf groups are not used by Kubernetes".into(),
            )),
            other => Err(DecodeError::Malformed(format!("invalid wire type {other}"))),
        }
    }

    /// The number protobuf uses for this wire type in a field key.
    pub(super) fn number(self) -> u64 {
        match self {
            Self::Varint => 0,
            Self::Fixed64 => 1,
            Self::Len => 2,
            Self::Fixed32 => 5,
        }
    }
}

/// Reads fields one after another from a message's bytes.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(super) fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(DecodeError::Truncated("a varint runs past the end".into()));
            };
            self.pos += 1;
            if i == 9 && byte > 1 {
                return Err(DecodeError::Malformed("varint overflows 64 bits".into()));
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::Malformed("varint longer than 10 bytes".into()))
    }

    /// The next field's number and wire type.
    pub(super) fn key(&mut self) -> Result<(u32, WireType), DecodeError> {
        let key = self.varint()?;
        let tag = u32::try_from(key >> 3)
            .ok()
            .filter(|tag| *tag != 0)
            .ok_or_else(|| DecodeError::Malformed(format!("invalid field number {}", key >> 3)))?;
        Ok((tag, WireType::from_raw(key & 7)?))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.buf.len())
            .ok_or_else(|| {
                DecodeError::Truncated(format!(
                    "a field of {len} bytes runs past the end of its message"
                ))
            })?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    /// A length-delimited value.
    pub(super) fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.varint()?;
        let len = usize::try_from(len)
            .map_err(|_| DecodeError::Truncated(format!("a field claims {len} bytes")))?;
        self.take(len)
    }

    pub(super) fn fixed64(&mut self) -> Result<u64, DecodeError> {
        let bytes = self.take(8)?;
        let mut raw = [0u8; 8];
        raw.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(raw))
    }

    /// Skips a field this reader does not know.
    pub(super) fn skip(&mut self, wire: WireType) -> Result<(), DecodeError> {
        match wire {
            WireType::Varint => self.varint().map(drop),
            WireType::Fixed64 => self.take(8).map(drop),
            WireType::Len => self.bytes().map(drop),
            WireType::Fixed32 => self.take(4).map(drop),
        }
    }
}

/// Appends a varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a field key.
pub(super) fn put_key(out: &mut Vec<u8>, tag: u32, wire: WireType) {
    put_varint(out, (u64::from(tag) << 3) | wire.number());
}

/// Appends a length-delimited field (string, bytes or an encoded message).
pub(super) fn put_len(out: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    put_key(out, tag, WireType::Len);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a varint field.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn put_uint(out: &mut Vec<u8>, tag: u32, value: u64) {
    put_key(out, tag, WireType::Varint);
    put_varint(out, value);
}
