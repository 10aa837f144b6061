//! Bounds-checked integer reads from a byte slice, shared by the format handlers: `None` when
//! the value does not lie wholly inside the slice (or its offset overflows), never a panic;
//! and [`hex`], how digests and header bytes are printed.

fn array<const N: usize>(d: &[u8], at: usize) -> Option<[u8; N]> {
    d.get(at..at.checked_add(N)?)?.try_into().ok()
}

pub fn be16(d: &[u8], at: usize) -> Option<u16> {
    array(d, at).map(u16::from_be_bytes)
}

pub fn le16(d: &[u8], at: usize) -> Option<u16> {
    array(d, at).map(u16::from_le_bytes)
}

pub fn be32(d: &[u8], at: usize) -> Option<u32> {
    array(d, at).map(u32::from_be_bytes)
}

pub fn le32(d: &[u8], at: usize) -> Option<u32> {
    array(d, at).map(u32::from_le_bytes)
}

pub fn be64(d: &[u8], at: usize) -> Option<u64> {
    array(d, at).map(u64::from_be_bytes)
}

pub fn le64(d: &[u8], at: usize) -> Option<u64> {
    array(d, at).map(u64::from_le_bytes)
}

/// A 16-bit value in the byte order `be` (big endian when true) chosen at run time.
pub fn u16_at(d: &[u8], at: usize, be: bool) -> Option<u16> {
    if be {
        be16(d, at)
    } else {
        le16(d, at)
    }
}

/// A 32-bit value in the byte order `be` (big endian when true) chosen at run time.
pub fn u32_at(d: &[u8], at: usize, be: bool) -> Option<u32> {
    if be {
        be32(d, at)
    } else {
        le32(d, at)
    }
}

/// Lowercase hex of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A 64-bit value in the byte order `be` (big endian when true) chosen at run time.
pub fn u64_at(d: &[u8], at: usize, be: bool) -> Option<u64> {
    if be {
        be64(d, at)
    } else {
        le64(d, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_the_slice_only() {
        let d = [0x12, 0x34, 0x56, 0x78, 0x9a];
        assert_eq!(be32(&d, 0), Some(0x1234_5678));
        assert_eq!(le32(&d, 1), Some(0x9a78_5634));
        assert_eq!(u16_at(&d, 3, true), Some(0x789a));
        assert_eq!(u16_at(&d, 3, false), Some(0x9a78));
        assert_eq!(be32(&d, 2), None);
        assert_eq!(le64(&d, 0), None);
        assert_eq!(
            be64(&[1, 2, 3, 4, 5, 6, 7, 8], 0),
            Some(0x0102_0304_0506_0708)
        );
        assert_eq!(u64_at(&[1, 0, 0, 0, 0, 0, 0, 0], 0, false), Some(1));
        assert_eq!(u32_at(&d, usize::MAX - 1, true), None);
    }
}
