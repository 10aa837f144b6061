//! LZO1X decompression (squashfs, JFFS2, UBIFS and lzop all use it).
//!
//! Written here because the decoder must never panic on hostile input: lzokay-native 0.1
//! indexes out of bounds on a back-reference before the start of the output (found by the
//! `unpack_filesystem` fuzz target), and the other Rust decoder, `lzo1x`, is GPL-2.0. The
//! format is read as the Linux kernel's `lzo1x_decompress_safe` reads it; every input read,
//! back-reference and output write is checked, and the output is bounded by `limit`.
//! lzokay-native remains a dev-dependency to compress test fixtures.

/// Distance added to the far (M4) matches, and to the 3-byte matches after a literal run.
const M4_BASE: usize = 0x4000;
const M2_MAX_OFFSET: usize = 0x0800;

struct Decoder<'a> {
    src: &'a [u8],
    ip: usize,
    out: Vec<u8>,
    limit: usize,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Result<usize, String> {
        let b = *self
            .src
            .get(self.ip)
            .ok_or("lzo: input ends inside the stream")?;
        self.ip += 1;
        Ok(b as usize)
    }

    fn le16(&mut self) -> Result<usize, String> {
        Ok(self.byte()? | (self.byte()? << 8))
    }

    /// A run of zero bytes each worth 255, then `base` plus the first non-zero byte.
    /// Every zero consumes an input byte, so the count is bounded by the input length.
    fn extended(&mut self, base: usize) -> Result<usize, String> {
        let mut n = 0usize;
        loop {
            match self.byte()? {
                0 => n += 255,
                b => return Ok(n + base + b),
            }
        }
    }

    fn room(&self, n: usize) -> Result<(), String> {
        if self.out.len().saturating_add(n) > self.limit {
            return Err(format!("lzo: output larger than {} bytes", self.limit));
        }
        Ok(())
    }

    fn literals(&mut self, n: usize) -> Result<(), String> {
        self.room(n)?;
        let end = self.ip.checked_add(n).filter(|&e| e <= self.src.len());
        let end = end.ok_or("lzo: literal run beyond the input")?;
        self.out.extend_from_slice(&self.src[self.ip..end]);
        self.ip = end;
        Ok(())
    }

    /// Copy `n` bytes from `dist` bytes back (the copy may overlap what it writes).
    fn matched(&mut self, dist: usize, n: usize) -> Result<(), String> {
        if dist == 0 || dist > self.out.len() {
            return Err("lzo: back-reference before the start of the output".into());
        }
        self.room(n)?;
        let start = self.out.len() - dist;
        for i in 0..n {
            let b = self.out[start + i];
            self.out.push(b);
        }
        Ok(())
    }
}

/// Decompress one LZO1X stream (up to its end marker) into at most `limit` bytes.
pub fn decompress(src: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut d = Decoder {
        src,
        ip: 0,
        out: Vec::with_capacity(limit.min(src.len().saturating_mul(4)).min(1 << 20)),
        limit,
    };
    // state: 0 after a match without trailing literals, 1..3 after that many trailing
    // literals, 4 after a literal run of 4 or more
    let mut state = 0;
    if let Some(&first) = src.first().filter(|&&b| b > 17) {
        d.ip = 1;
        let n = first as usize - 17;
        d.literals(n)?;
        state = if n < 4 { n } else { 4 };
    }
    loop {
        let t = d.byte()?;
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                let n = if t == 0 { d.extended(15)? } else { t };
                d.literals(n + 3)?;
                state = 4;
                continue;
            }
            next = t & 3;
            if state != 4 {
                // a 2-byte match close behind
                let dist = 1 + (t >> 2) + (d.byte()? << 2);
                d.matched(dist, 2)?;
                d.literals(next)?;
                state = next;
                continue;
            }
            dist = 1 + M2_MAX_OFFSET + (t >> 2) + (d.byte()? << 2);
            len = 3;
        } else if t >= 64 {
            next = t & 3;
            dist = 1 + ((t >> 2) & 7) + (d.byte()? << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            let n = t & 31;
            len = 2 + if n == 0 { d.extended(31)? } else { n };
            let v = d.le16()?;
            dist = 1 + (v >> 2);
            next = v & 3;
        } else {
            let n = t & 7;
            len = 2 + if n == 0 { d.extended(7)? } else { n };
            let v = d.le16()?;
            let far = ((t & 8) << 11) + (v >> 2);
            next = v & 3;
            if far == 0 {
                // the end marker (0x11 0x00 0x00)
                if len != 3 {
                    return Err("lzo: malformed end marker".into());
                }
                return Ok(d.out);
            }
            dist = far + M4_BASE;
        }
        d.matched(dist, len)?;
        d.literals(next)?;
        state = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: usize) -> Vec<u8> {
        let mut v = Vec::new();
        let mut i = 0u64;
        while v.len() < n {
            v.extend_from_slice(format!("line {i} {}\n", i.wrapping_mul(0x9e37_79b9)).as_bytes());
            i += 1;
        }
        v.truncate(n);
        v
    }

    fn noise(n: usize) -> Vec<u8> {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn round_trips_what_lzokay_compresses() {
        let mut mixed = text(50_000);
        mixed.extend(vec![0u8; 70_000]); // long matches: extended lengths
        mixed.extend(noise(30_000)); // literal runs
        mixed.extend(text(20_000)); // far matches
        for data in [
            b"a".to_vec(),
            b"abcabcabcabcabcabcabcabc".to_vec(),
            text(4096),
            noise(5000),
            vec![0u8; 1 << 20],
            mixed,
        ] {
            let c = lzokay_native::compress(&data).unwrap();
            assert_eq!(
                decompress(&c, data.len()).unwrap(),
                data,
                "{} bytes",
                data.len()
            );
        }
    }

    #[test]
    fn output_is_bounded() {
        let data = text(10_000);
        let c = lzokay_native::compress(&data).unwrap();
        let e = decompress(&c, 9_999).unwrap_err();
        assert_eq!(e, "lzo: output larger than 9999 bytes");
    }

    #[test]
    fn hostile_streams_are_errors() {
        // a 2-byte match right after 1 literal, 200 bytes back
        assert_eq!(
            decompress(&[18, b'x', 0x01, 50, 0x11, 0, 0], 100).unwrap_err(),
            "lzo: back-reference before the start of the output"
        );
        // no end marker
        assert_eq!(
            decompress(&[20, b'a', b'b', b'c'], 100).unwrap_err(),
            "lzo: input ends inside the stream"
        );
        assert!(decompress(&[], 100).is_err());
        // every truncation and every single-byte corruption of a real stream: an error or
        // some output, never a panic
        let data = text(3000);
        let c = lzokay_native::compress(&data).unwrap();
        for cut in 0..c.len() {
            assert!(decompress(&c[..cut], data.len()).is_err(), "cut {cut}");
        }
        for i in 0..c.len() {
            let mut x = c.clone();
            x[i] ^= 0x5a;
            let _ = decompress(&x, data.len());
        }
    }
}
