//! Images stored once by SHA-256 in a local directory (`ab/abcdef...`).

use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: PathBuf) -> anyhow::Result<BlobStore> {
        std::fs::create_dir_all(root.join("tmp"))
            .map_err(|e| anyhow::anyhow!("blob store {}: {e}", root.display()))?;
        Ok(BlobStore { root })
    }

    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&sha256[..2]).join(sha256))
    }

    pub fn exists(&self, sha256: &str) -> bool {
        self.path(sha256).is_some_and(|p| p.is_file())
    }

    /// Stream `body` into the store, hashing as it goes, refusing more than `max` bytes.
    /// Returns (sha256, size).
    pub async fn put_stream<S, E>(&self, mut body: S, max: u64) -> anyhow::Result<(String, u64)>
    where
        S: futures_util::Stream<Item = Result<bytes_like::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        let tmp = self.root.join("tmp").join(crate::new_id());
        let mut f = tokio::fs::File::create(&tmp).await?;
        let mut h = Sha256::new();
        let mut n = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    anyhow::bail!("upload interrupted: {e}");
                }
            };
            n += chunk.len() as u64;
            if n > max {
                drop(f);
                let _ = tokio::fs::remove_file(&tmp).await;
                anyhow::bail!("upload larger than the limit of {max} bytes");
            }
            h.update(&chunk);
            f.write_all(&chunk).await?;
        }
        f.flush().await?;
        drop(f);
        let sha = hex::encode(h.finalize());
        let dest = self.path(&sha).expect("hex digest");
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        if dest.exists() {
            tokio::fs::remove_file(&tmp).await?;
        } else {
            tokio::fs::rename(&tmp, &dest).await?;
        }
        Ok((sha, n))
    }
}

/// The byte-chunk type of axum bodies.
pub mod bytes_like {
    pub use axum::body::Bytes;
}
