//! D-Link `encrpted_img` firmware (DIR-X1560, DIR-X1860, DIR-X5460, ...): a 16-byte header
//! and an AES-256-CBC encrypted image, usually a UBI image. Key and IV are public (recovered
//! from the devices); they live in `rules/keys/vendor-keys.toml` with their source.
//!
//! Written by hand: a 16-byte header; decryption with the `aes` and `cbc` crates.
//!
//! ```text
//! 00000000  65 6e 63 72 70 74 65 64  5f 69 6d 67 00 00 00 20  |encrpted_img... |
//! 00000010  88 69 e8 15 ad 83 3e 87  d2 f1 d2 5a 03 f4 fe f5  |.i....>....Z....|
//! struct encrpted_img_header {   // big-endian
//!     char magic[12] = "encrpted_img";   // sic
//!     u32  size;                 // bytes of encrypted image that follow
//! };
//! ```
//! (dump: fact_extractor's `dlink/test/data/testfile.encrpted_img` fixture)
//!
//! The devices encrypt each 128 KiB erase block with the IV reset, so the first 16 bytes of
//! every block after the first decrypt wrong when the stream is decrypted as one; each block
//! is therefore decrypted on its own with the scheme's IV (which also gives the right first
//! block), and a block that does not start with a UBI header when the image does is decrypted
//! as a continuation of the previous one instead.
//!
//! The header carries no checksum; the key is accepted when the plaintext is plausible
//! (see [`crate::keys::plausible`]).

use bytes::Bytes;

use crate::handler::*;
use crate::keys;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "dlink-encimg",
    category: Category::Firmware,
    description: "D-Link encrpted_img encrypted firmware: decrypted in process (AES-256-CBC, \
                  public key and IV from rules/keys/vendor-keys.toml) and emitted as \
                  'decrypted'.",
    references: &[
        "onekey-sec/unblob python/unblob/handlers/archive/dlink/encrpted_img.py",
        "fkie-cad/fact_extractor plugins/unpacking/dlink (encrpted_img test fixture)",
        "ONEKEY, 'How-To: Extracting Decryption Keys for D-Link'",
    ],
    limitations: "No checksum in the header: integrity is not verifiable. An image encrypted \
                  with a key not in the rules is reported as unpack.unsupported.",
};

const HDR: usize = 16;
const PEB: usize = 0x20000;

pub struct DlinkEncImg;

/// Decrypt erase block by erase block (see the module documentation).
fn decrypt_with(key: &[u8], iv: &[u8], enc: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(enc.len());
    let mut ubi = false;
    for (i, block) in enc.chunks(PEB).enumerate() {
        let fresh = keys::aes_cbc_decrypt(key, iv, block)?;
        if i == 0 {
            ubi = fresh.starts_with(b"UBI#");
            out.extend(fresh);
            continue;
        }
        if !ubi || fresh.starts_with(b"UBI#") {
            out.extend(fresh);
        } else {
            // encrypted as one stream: the previous ciphertext block is this block's IV
            let prev = &enc[i * PEB - 16..i * PEB];
            out.extend(keys::aes_cbc_decrypt(key, prev, block)?);
        }
    }
    Some(out)
}

fn decrypt(enc: &[u8]) -> Option<Vec<u8>> {
    for k in keys::for_scheme("dlink-encrpted_img") {
        let Some(iv) = k.iv.as_deref() else {
            continue;
        };
        // judge the key on the first block before decrypting everything
        let head = keys::aes_cbc_decrypt(&k.key, iv, &enc[..enc.len().min(4096)])?;
        if keys::plausible(&head) {
            return decrypt_with(&k.key, iv, enc);
        }
    }
    None
}

impl Handler for DlinkEncImg {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"encrpted_img")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let size = u32::from_be_bytes(d.get(12..16)?.try_into().ok()?) as usize;
        if size < 16 || !size.is_multiple_of(16) {
            return None;
        }
        // the name alone is weak evidence (documents mention it): what follows must look
        // like ciphertext, not text or structure
        let head = &d[HDR.min(d.len())..d.len().min(HDR + 4096)];
        if head.len() < 16
            || crate::classify::is_text(head)
            || (head.len() >= 256 && crate::coverage::entropy(head) < 7.0)
        {
            return None;
        }
        let want = HDR + size;
        let mut variant = format!("aes-256-cbc {size} bytes");
        if want > d.len() {
            variant.push_str(&format!(" truncated ({} of {want} bytes)", d.len()));
        }
        Some(Chunk {
            start,
            end: start + want.min(d.len()),
            variant,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let enc = &data[HDR.min(data.len())..];
        if enc.len() < 16 {
            return truncated("encrpted_img: no encrypted block present");
        }
        match decrypt(enc) {
            Some(plain) => out.file("decrypted", Meta::mode(0o644), plain)?,
            None => out.unsupported(
                HDR as u64,
                enc.len() as u64,
                "encrypted with a key not in rules/keys/vendor-keys.toml (no known key gives \
                 a plausible plaintext)",
            ),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn build(key: &[u8], iv: &[u8], plain: &[u8], per_block: bool) -> Vec<u8> {
        let mut enc = Vec::new();
        if per_block {
            for b in plain.chunks(PEB) {
                enc.extend(keys::aes_cbc_encrypt(key, iv, b).unwrap());
            }
        } else {
            enc = keys::aes_cbc_encrypt(key, iv, plain).unwrap();
        }
        let mut v = b"encrpted_img".to_vec();
        v.extend((enc.len() as u32).to_be_bytes());
        v.extend(enc);
        v
    }

    fn ubi_like(blocks: usize) -> Vec<u8> {
        let mut p = Vec::new();
        for i in 0..blocks {
            let mut b = vec![0u8; PEB];
            b[..4].copy_from_slice(b"UBI#");
            b[4] = 1;
            b[64..79].copy_from_slice(format!("erase block {i:03}").as_bytes());
            p.extend(b);
        }
        p
    }

    #[test]
    fn ubi_image_encrypted_per_erase_block_and_as_one_stream() {
        let k = keys::for_scheme("dlink-encrpted_img")[0];
        let iv = k.iv.clone().unwrap();
        let plain = ubi_like(3);
        for per_block in [true, false] {
            let img = build(&k.key, &iv, &plain, per_block);
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
            let d = tree
                .get("0x0.dlink-encimg/decrypted")
                .unwrap_or_else(|| panic!("per block {per_block}: {:?}", tree.errors));
            assert!(d.data == plain, "per block {per_block}");
        }
    }

    #[test]
    fn the_name_in_a_document_is_not_a_container() {
        let mut doc = b"D-Link's encrpted_img\x00\x00\x01\x00 format is described here.".to_vec();
        doc.extend(vec![b' '; 300]);
        let at = 8;
        assert!(DlinkEncImg.identify(&doc, at, &Probe::default()).is_none());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(doc));
        assert!(tree.layers.is_empty() && tree.unsupported.is_empty());
    }

    #[test]
    fn unknown_key_is_reported_with_header_and_entropy() {
        let plain = ubi_like(1);
        let img = build(&[9u8; 32], &[1u8; 16], &plain, true);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.get("0x0.dlink-encimg/decrypted").is_none());
        assert_eq!(tree.unsupported.len(), 1);
        let u = &tree.unsupported[0];
        assert_eq!(u.offset, 16);
        assert_eq!(u.size, PEB as u64);
        assert_eq!(u.header, crate::handler::hex(&img[16..32]));
        let e: f64 = u.entropy.parse().unwrap();
        assert!(e > 7.9, "{e}");
        assert_eq!(tree.coverage.unwrap().understood, 16);
    }
}
