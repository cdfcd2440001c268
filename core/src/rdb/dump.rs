//! The DUMP/RESTORE payload: an object type byte, the object RDB-encoded, then a footer of the
//! RDB version (2 bytes, little-endian) and the CRC-64 of everything before it (8 bytes,
//! little-endian).
//!
//! ```text
//! +------+------------------+-------------+---------------+
//! | type | RDB-encoded body | RDB version | CRC-64        |
//! +------+------------------+-------------+---------------+
//! ```

use std::fmt;

use super::crc64::crc64;
use super::{Decoder, Encoder, LoadOptions, RdbError, RDB_VERSION};
use crate::value::Value;

/// Version and checksum: 10 bytes at the end of every payload.
pub const FOOTER_LEN: usize = 10;

/// DUMP's payload for `v`, byte-identical to Redis 7.0's (`compression` is `rdbcompression`,
/// on by default).
pub fn dump(v: &Value, compression: bool) -> Vec<u8> {
    let mut e = Encoder::new(compression);
    e.write_object_type(v);
    e.write_object(v);
    let mut out = e.into_bytes();
    seal(&mut out, RDB_VERSION);
    out
}

/// Appends the footer claiming RDB version `version` to `body` (type byte and object).
pub fn seal(body: &mut Vec<u8>, version: u16) {
    body.extend_from_slice(&version.to_le_bytes());
    let crc = crc64(0, body);
    body.extend_from_slice(&crc.to_le_bytes());
}

/// Why a payload's footer was refused. RESTORE answers all of these alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FooterError {
    /// Shorter than the footer.
    TooShort {
        len: usize,
    },
    /// Written by a newer RDB version than this server reads.
    Version {
        found: u16,
    },
    Checksum {
        stored: u64,
        computed: u64,
    },
}

impl fmt::Display for FooterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FooterError::TooShort { len } => write!(f, "payload of {len} bytes has no room for its footer"),
            FooterError::Version { found } => write!(f, "RDB version {found} is newer than {RDB_VERSION}"),
            FooterError::Checksum { stored, computed } => {
                write!(f, "CRC-64 is {computed:016x}, the payload says {stored:016x}")
            }
        }
    }
}

/// Checks the footer as Redis' `verifyDumpPayload` does: any version up to ours, and the
/// checksum. Returns the version.
pub fn verify(payload: &[u8]) -> Result<u16, FooterError> {
    verify_footer(payload, false)
}

/// [`verify`], with the CRC-64 left unchecked when `skip_checksum` (Redis'
/// skip_checksum_validation); the version is checked either way.
pub fn verify_footer(payload: &[u8], skip_checksum: bool) -> Result<u16, FooterError> {
    let Some(body_len) = payload.len().checked_sub(FOOTER_LEN) else {
        return Err(FooterError::TooShort { len: payload.len() });
    };
    let footer = &payload[body_len..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return Err(FooterError::Version { found: version });
    }
    if skip_checksum {
        return Ok(version);
    }
    let mut stored = [0u8; 8];
    stored.copy_from_slice(&footer[2..]);
    let stored = u64::from_le_bytes(stored);
    let computed = crc64(0, &payload[..body_len + 2]);
    if stored != computed {
        return Err(FooterError::Checksum { stored, computed });
    }
    Ok(version)
}

/// Decodes the object of a payload whose footer [`verify`] accepted. Like Redis, it reads from
/// the whole payload (a body may run into the footer's bytes) and ignores what follows the
/// object.
pub fn load(payload: &[u8]) -> Result<Value, RdbError> {
    load_with(payload, LoadOptions::default())
}

/// [`load`] with the server's hasher and encoding thresholds (RESTORE).
pub fn load_with(payload: &[u8], opts: LoadOptions) -> Result<Value, RdbError> {
    let mut d = Decoder::with_options(payload, opts);
    let t = d.read_object_type()?;
    d.read_object(t)
}
