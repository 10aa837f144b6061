//! Format handlers, one file per format. The order of [`all`] is the order in which handlers
//! are tried when several magics match at one offset (more specific formats first).

use std::sync::Arc;

use crate::handler::HandlerRef;

pub mod android_sparse;
pub mod ar;
pub mod arcadyan;
pub mod bzip2;
pub mod cpio;
pub mod cramfs;
pub mod dlink_encimg;
pub mod dlink_mh01;
pub mod dlink_shrs;
pub mod ext;
pub mod fat;
pub mod fit;
pub mod gzip;
pub mod huawei_hwnp;
pub mod iso9660;
pub mod jffs2;
pub mod leaf_bmp;
pub mod leaf_gif;
pub mod leaf_jpeg;
pub mod leaf_pdf;
pub mod leaf_png;
pub mod leaf_riff;
pub mod lz4;
pub mod lzma;
pub mod lzo;
pub mod netgear_chk;
pub mod partitions;
pub mod qnx_ifs;
pub mod romfs;
// monolithic RTOS images (not carved: see rtos.rs)
pub mod rtos;
pub mod rtos_ecos;
pub mod rtos_nucleus;
pub mod rtos_threadx;
pub mod rtos_vxworks;
pub mod seama;
pub mod sevenz;
pub mod squashfs;
pub mod tar;
pub mod tplink;
pub mod trx;
pub mod ubi;
pub mod ubifs;
pub mod ubiquiti;
pub mod uimage;
pub mod upx;
pub mod vxworks_memfs;
pub mod xiaomi_hdr;
pub mod xz;
pub mod yaffs2;
pub mod zip;
pub mod zlib;
pub mod zstd;

// vendor containers (MikroTik, Sercomm, ZyXEL, Linksys)
pub mod linksys_chdr;
pub mod linksys_pattern;
pub mod linksys_trailer;
pub mod mikrotik_npk;
pub mod sercomm;
pub mod zyxel_zynos;
pub mod zyxel_zytrx;

/// Every handler, in priority order.
pub fn all() -> Vec<HandlerRef> {
    vec![
        // firmware containers (their headers wrap everything else)
        Arc::new(uimage::UImage),
        Arc::new(fit::Fit),
        Arc::new(trx::Trx),
        Arc::new(tplink::TpLink),
        Arc::new(netgear_chk::NetgearChk),
        Arc::new(seama::Seama),
        Arc::new(dlink_shrs::DlinkShrs),
        Arc::new(dlink_encimg::DlinkEncImg),
        Arc::new(dlink_mh01::DlinkMh01),
        Arc::new(xiaomi_hdr::XiaomiHdr),
        Arc::new(huawei_hwnp::HuaweiHwnp),
        Arc::new(ubiquiti::Ubiquiti),
        // vendor containers (MikroTik, Sercomm, ZyXEL, Linksys)
        Arc::new(mikrotik_npk::MikrotikNpk),
        Arc::new(sercomm::Sercomm),
        Arc::new(zyxel_zynos::ZyxelZynos),
        Arc::new(zyxel_zytrx::ZyxelZytrx),
        Arc::new(linksys_pattern::LinksysPattern),
        Arc::new(linksys_chdr::LinksysChdr),
        Arc::new(linksys_trailer::LinksysTrailer),
        Arc::new(android_sparse::AndroidSparse),
        Arc::new(partitions::Gpt),
        Arc::new(partitions::Mbr),
        // file systems
        Arc::new(squashfs::Squashfs),
        Arc::new(cramfs::Cramfs),
        Arc::new(romfs::Romfs),
        Arc::new(ext::Ext),
        Arc::new(fat::Fat),
        Arc::new(iso9660::Iso9660),
        Arc::new(ubi::Ubi),
        Arc::new(ubifs::Ubifs),
        Arc::new(jffs2::Jffs2),
        Arc::new(yaffs2::Yaffs2),
        // RTOS images' file systems and boot images
        Arc::new(vxworks_memfs::VxworksMemfs),
        Arc::new(qnx_ifs::QnxStartup),
        Arc::new(qnx_ifs::QnxIfs),
        // archives
        Arc::new(tar::Tar),
        Arc::new(cpio::Cpio),
        Arc::new(ar::Ar),
        Arc::new(zip::Zip),
        Arc::new(sevenz::SevenZ),
        // compression
        Arc::new(upx::Upx),
        Arc::new(gzip::Gzip),
        Arc::new(xz::Xz),
        Arc::new(bzip2::Bzip2),
        Arc::new(zstd::Zstd),
        Arc::new(lz4::Lz4),
        Arc::new(lzo::Lzo),
        Arc::new(arcadyan::Arcadyan),
        Arc::new(lzma::Lzma),
        Arc::new(zlib::Zlib),
        // leaves (recognised and skipped)
        Arc::new(leaf_pdf::Pdf),
        Arc::new(leaf_jpeg::Jpeg),
        Arc::new(leaf_png::Png),
        Arc::new(leaf_gif::Gif),
        Arc::new(leaf_bmp::Bmp),
        Arc::new(leaf_riff::Riff),
    ]
}

/// Every monolithic RTOS family, in the order they are tried on a blob (see [`rtos`]).
pub fn rtos_all() -> Vec<Box<dyn rtos::Rtos>> {
    vec![
        Box::new(rtos_vxworks::VxWorks),
        Box::new(rtos_threadx::ThreadX),
        Box::new(rtos_nucleus::Nucleus),
        Box::new(rtos_ecos::Ecos),
    ]
}
