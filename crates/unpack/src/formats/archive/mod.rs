//! Archives of members: tar, cpio, zip, 7z, ar.

pub mod ar;
pub mod cpio;
pub mod sevenz;
pub mod tar;
pub mod zip;
