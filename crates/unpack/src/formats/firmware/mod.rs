//! Firmware containers: a vendor header (or trailer) around partitions, and partition tables.
//! Vendor formats keep the vendor in the file name (`dlink_*`, `linksys_*`, `zyxel_*`).

pub mod android_sparse;
pub mod dlink_encimg;
pub mod dlink_mh01;
pub mod dlink_shrs;
pub mod fit;
pub mod huawei_hwnp;
pub mod keenetic_znbg;
pub mod linksys_chdr;
pub mod linksys_pattern;
pub mod linksys_trailer;
pub mod mikrotik_npk;
pub mod netgear_chk;
pub mod partitions;
pub mod seama;
pub mod sercomm;
pub mod sercomm_crypto;
pub mod tplink;
pub mod tplink_img0;
pub mod tplink_safeloader;
pub mod trx;
pub mod ubiquiti;
pub mod uimage;
pub mod xiaomi_hdr;
pub mod zyxel_ras;
pub mod zyxel_zld;
pub mod zyxel_zynos;
pub mod zyxel_zytrx;
