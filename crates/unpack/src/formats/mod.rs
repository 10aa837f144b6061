//! Format handlers, one file per format, in folders by kind: `compression/`, `archive/`,
//! `filesystem/`, `firmware/` (vendor containers and partition tables), `rtos/` (monolithic
//! RTOS images, recognised rather than carved) and `leaf/`. The order of [`all`] is the order
//! in which handlers are tried when several magics match at one offset (more specific formats
//! first).

use std::sync::Arc;

use crate::handler::HandlerRef;

pub mod archive;
pub mod compression;
pub mod filesystem;
pub mod firmware;
pub mod leaf;
// monolithic RTOS images (not carved: see rtos/mod.rs)
pub mod rtos;

// The flat paths of before the grouping (`formats::gzip`, `formats::rtos_vxworks`), kept so
// that other crates' paths do not change.
#[doc(hidden)]
pub use archive::{ar, cpio, sevenz, tar, zip};
#[doc(hidden)]
pub use compression::{arcadyan, bzip2, gzip, lz4, lzma, lzo, upx, xz, zlib, zstd};
#[doc(hidden)]
pub use filesystem::{
    cramfs, ext, fat, iso9660, jffs2, qnx_ifs, romfs, squashfs, ubi, ubifs, vxworks_memfs, yaffs2,
};
#[doc(hidden)]
pub use firmware::{
    android_sparse, dlink_encimg, dlink_mh01, dlink_shrs, fit, huawei_hwnp, keenetic_znbg,
    linksys_chdr, linksys_pattern, linksys_trailer, mikrotik_npk, netgear_chk, partitions, seama,
    sercomm, sercomm_crypto, tplink, tplink_img0, tplink_safeloader, trx, ubiquiti, uimage,
    xiaomi_hdr, zyxel_ras, zyxel_zld, zyxel_zynos, zyxel_zytrx,
};
#[doc(hidden)]
pub use leaf::{
    bmp as leaf_bmp, gif as leaf_gif, jpeg as leaf_jpeg, pdf as leaf_pdf, png as leaf_png,
    riff as leaf_riff,
};
#[doc(hidden)]
pub use rtos::{
    ecos as rtos_ecos, nucleus as rtos_nucleus, threadx as rtos_threadx, vxworks as rtos_vxworks,
};

/// Every handler, in priority order.
pub fn all() -> Vec<HandlerRef> {
    vec![
        // firmware containers (their headers wrap everything else)
        Arc::new(firmware::uimage::UImage),
        Arc::new(firmware::fit::Fit),
        Arc::new(firmware::trx::Trx),
        Arc::new(firmware::tplink::TpLink),
        Arc::new(firmware::tplink_safeloader::TplinkSafeloader),
        Arc::new(firmware::tplink_img0::TplinkImg0),
        Arc::new(firmware::netgear_chk::NetgearChk),
        Arc::new(firmware::seama::Seama),
        Arc::new(firmware::dlink_shrs::DlinkShrs),
        Arc::new(firmware::dlink_encimg::DlinkEncImg),
        Arc::new(firmware::dlink_mh01::DlinkMh01),
        Arc::new(firmware::xiaomi_hdr::XiaomiHdr),
        Arc::new(firmware::huawei_hwnp::HuaweiHwnp),
        Arc::new(firmware::ubiquiti::Ubiquiti),
        // vendor containers (MikroTik, Sercomm, ZyXEL, Linksys)
        Arc::new(firmware::mikrotik_npk::MikrotikNpk),
        Arc::new(firmware::sercomm::Sercomm),
        Arc::new(firmware::sercomm_crypto::SercommCrypto),
        Arc::new(firmware::zyxel_zynos::ZyxelZynos),
        Arc::new(firmware::zyxel_zytrx::ZyxelZytrx),
        Arc::new(firmware::zyxel_zld::ZyxelZld),
        Arc::new(firmware::zyxel_ras::ZyxelRas),
        Arc::new(firmware::linksys_pattern::LinksysPattern),
        Arc::new(firmware::linksys_chdr::LinksysChdr),
        Arc::new(firmware::linksys_trailer::LinksysTrailer),
        Arc::new(firmware::keenetic_znbg::KeeneticZnbg),
        Arc::new(firmware::android_sparse::AndroidSparse),
        Arc::new(firmware::partitions::Gpt),
        Arc::new(firmware::partitions::Mbr),
        // file systems
        Arc::new(filesystem::squashfs::Squashfs),
        Arc::new(filesystem::cramfs::Cramfs),
        Arc::new(filesystem::romfs::Romfs),
        Arc::new(filesystem::ext::Ext),
        Arc::new(filesystem::fat::Fat),
        Arc::new(filesystem::iso9660::Iso9660),
        Arc::new(filesystem::ubi::Ubi),
        Arc::new(filesystem::ubifs::Ubifs),
        Arc::new(filesystem::jffs2::Jffs2),
        Arc::new(filesystem::yaffs2::Yaffs2),
        // RTOS images' file systems and boot images
        Arc::new(filesystem::vxworks_memfs::VxworksMemfs),
        Arc::new(filesystem::qnx_ifs::QnxStartup),
        Arc::new(filesystem::qnx_ifs::QnxIfs),
        // archives
        Arc::new(archive::tar::Tar),
        Arc::new(archive::cpio::Cpio),
        Arc::new(archive::ar::Ar),
        Arc::new(archive::zip::Zip),
        Arc::new(archive::sevenz::SevenZ),
        // compression
        Arc::new(compression::upx::Upx),
        Arc::new(compression::gzip::Gzip),
        Arc::new(compression::xz::Xz),
        Arc::new(compression::bzip2::Bzip2),
        Arc::new(compression::zstd::Zstd),
        Arc::new(compression::lz4::Lz4),
        Arc::new(compression::lzo::Lzo),
        Arc::new(compression::arcadyan::Arcadyan),
        Arc::new(compression::lzma::Lzma),
        Arc::new(compression::zlib::Zlib),
        // leaves (recognised and skipped)
        Arc::new(leaf::pdf::Pdf),
        Arc::new(leaf::jpeg::Jpeg),
        Arc::new(leaf::png::Png),
        Arc::new(leaf::gif::Gif),
        Arc::new(leaf::bmp::Bmp),
        Arc::new(leaf::riff::Riff),
    ]
}

/// Every monolithic RTOS family, in the order they are tried on a blob (see [`rtos`]).
pub fn rtos_all() -> Vec<Box<dyn rtos::Rtos>> {
    vec![
        Box::new(rtos::vxworks::VxWorks),
        Box::new(rtos::threadx::ThreadX),
        Box::new(rtos::nucleus::Nucleus),
        Box::new(rtos::ecos::Ecos),
    ]
}
