//! Compressed streams with one output each (gzip, xz, LZMA and its vendor variants, bzip2,
//! zstd, LZ4, LZO, zlib) and UPX-packed executables. The stream decoders share `gzip.rs`'s
//! bounded decoding and output naming.

pub mod arcadyan;
pub mod bzip2;
pub mod gzip;
pub mod lz4;
pub mod lzma;
pub mod lzo;
pub mod upx;
pub mod xz;
pub mod zlib;
pub mod zstd;
