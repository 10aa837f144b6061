//! File system images: SquashFS (every version, `squashfs/`), ext2/3/4, FAT, ISO 9660, JFFS2,
//! YAFFS2, UBI and UBIFS, cramfs, romfs, and the file systems and boot images of RTOS builds
//! (VxWorks MemFS, QNX IFS).

pub mod cramfs;
pub mod ext;
pub mod fat;
pub mod iso9660;
pub mod jffs2;
pub mod qnx_ifs;
pub mod romfs;
pub mod squashfs;
pub mod ubi;
pub mod ubifs;
pub mod vxworks_memfs;
pub mod yaffs2;
