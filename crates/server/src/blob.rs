//! Images stored once by SHA-256.
//!
//! The default store is a local directory (`ab/abcdef...`). With `--blob-store s3://bucket/prefix`
//! (or `file:///dir`) the images live in an object store through the `object_store` crate
//! (S3-compatible: credentials, region and `AWS_ENDPOINT` for MinIO and the like come from the
//! usual `AWS_*` environment variables), and the local directory is a cache: the scan engine
//! reads files, so a worker fetches an image into its cache before scanning it, and checks the
//! digest of what it fetched.

use object_store::path::Path as ObjPath;
use object_store::ObjectStore;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Why storing an upload failed.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("upload larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    #[error("blob store: {0}")]
    Store(String),
}

#[derive(Clone)]
pub struct BlobStore {
    /// The local store, or the local cache of a remote store.
    root: PathBuf,
    remote: Option<Remote>,
}

#[derive(Clone)]
struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// For messages.
    url: String,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("root", &self.root)
            .field("remote", &self.remote.as_ref().map(|r| &r.url))
            .finish()
    }
}

/// Is `s` a SHA-256 in lower-case hex?
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BlobStore {
    /// A local directory store.
    pub fn new(root: PathBuf) -> anyhow::Result<BlobStore> {
        std::fs::create_dir_all(root.join("tmp"))
            .map_err(|e| anyhow::anyhow!("blob store {}: {e}", root.display()))?;
        Ok(BlobStore { root, remote: None })
    }

    /// An object store with a local cache directory.
    pub fn with_object_store(
        cache: PathBuf,
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        url: &str,
    ) -> anyhow::Result<BlobStore> {
        let mut b = BlobStore::new(cache)?;
        b.remote = Some(Remote {
            store,
            prefix: prefix.trim_matches('/').to_string(),
            url: url.to_string(),
        });
        Ok(b)
    }

    /// Open the store named by `url` (`s3://bucket[/prefix]` or `file:///dir`), caching in `cache`.
    pub fn open_url(url: &str, cache: PathBuf) -> anyhow::Result<BlobStore> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                anyhow::bail!("blob store {url}: no bucket name");
            }
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| anyhow::anyhow!("blob store {url}: {e}"))?;
            return BlobStore::with_object_store(cache, Arc::new(s3), prefix, url);
        }
        if let Some(dir) = url.strip_prefix("file://") {
            std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("blob store {url}: {e}"))?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| anyhow::anyhow!("blob store {url}: {e}"))?;
            return BlobStore::with_object_store(cache, Arc::new(fs), "", url);
        }
        anyhow::bail!("blob store '{url}': expected s3://bucket/prefix or file:///directory")
    }

    /// Where the image is (or would be) in the local store or cache.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        if !is_sha256(sha256) {
            return None;
        }
        Some(self.root.join(&sha256[..2]).join(sha256))
    }

    fn key(&self, remote: &Remote, sha256: &str) -> ObjPath {
        let k = format!("{}/{}", &sha256[..2], sha256);
        if remote.prefix.is_empty() {
            ObjPath::from(k)
        } else {
            ObjPath::from(format!("{}/{k}", remote.prefix))
        }
    }

    /// Is the image stored?
    pub async fn exists(&self, sha256: &str) -> bool {
        let Some(p) = self.path(sha256) else {
            return false;
        };
        match &self.remote {
            None => p.is_file(),
            Some(r) => r.store.head(&self.key(r, sha256)).await.is_ok(),
        }
    }

    /// Stream `body` into the store, hashing as it goes, refusing more than `max` bytes.
    /// Returns (sha256, size).
    pub async fn put_stream<S, E>(&self, mut body: S, max: u64) -> Result<(String, u64), PutError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        let io = |e: std::io::Error| PutError::Store(e.to_string());
        let tmp = self.root.join("tmp").join(crate::new_id());
        let mut f = tokio::fs::File::create(&tmp).await.map_err(io)?;
        let mut h = Sha256::new();
        let mut n = 0u64;
        let written: Result<(), PutError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| PutError::Interrupted(e.to_string()))?;
                n = n.saturating_add(chunk.len() as u64);
                if n > max {
                    return Err(PutError::TooLarge(max));
                }
                h.update(&chunk);
                f.write_all(&chunk).await.map_err(io)?;
            }
            f.flush().await.map_err(io)
        }
        .await;
        drop(f);
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        let sha = hex::encode(h.finalize());
        if let Err(e) = self.commit(&tmp, &sha).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        Ok((sha, n))
    }

    /// Move a verified temporary file into the store (and upload it to the remote store).
    async fn commit(&self, tmp: &std::path::Path, sha: &str) -> Result<(), PutError> {
        let io = |e: std::io::Error| PutError::Store(e.to_string());
        let dest = self
            .path(sha)
            .ok_or_else(|| PutError::Store(format!("bad digest {sha}")))?;
        if let Some(r) = &self.remote {
            let key = self.key(r, sha);
            if r.store.head(&key).await.is_err() {
                let mut w = object_store::buffered::BufWriter::new(r.store.clone(), key);
                let mut src = tokio::fs::File::open(tmp).await.map_err(io)?;
                let copied = tokio::io::copy(&mut src, &mut w).await;
                match copied {
                    Ok(_) => w
                        .shutdown()
                        .await
                        .map_err(|e| PutError::Store(format!("{}: upload of {sha}: {e}", r.url)))?,
                    Err(e) => {
                        let _ = w.abort().await;
                        return Err(PutError::Store(format!("{}: upload of {sha}: {e}", r.url)));
                    }
                }
            }
        }
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        if dest.is_file() {
            tokio::fs::remove_file(tmp).await.map_err(io)?;
        } else {
            // same content under the same name: a concurrent rename is harmless
            tokio::fs::rename(tmp, &dest).await.map_err(io)?;
        }
        Ok(())
    }

    /// A local file holding the image: the local store, or the cache after fetching it from
    /// the remote store (the fetched bytes must hash to `sha256`).
    pub async fn fetch(&self, sha256: &str) -> anyhow::Result<PathBuf> {
        use futures_util::StreamExt;
        let dest = self
            .path(sha256)
            .ok_or_else(|| anyhow::anyhow!("'{sha256}' is not a SHA-256"))?;
        if dest.is_file() {
            return Ok(dest);
        }
        let Some(r) = &self.remote else {
            anyhow::bail!("image {sha256} is not in the blob store");
        };
        let got = r
            .store
            .get(&self.key(r, sha256))
            .await
            .map_err(|e| anyhow::anyhow!("{}: image {sha256}: {e}", r.url))?;
        let mut stream = got.into_stream();
        let tmp = self.root.join("tmp").join(crate::new_id());
        let mut f = tokio::fs::File::create(&tmp).await?;
        let mut h = Sha256::new();
        let res: anyhow::Result<()> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| anyhow::anyhow!("{}: image {sha256}: {e}", r.url))?;
                h.update(&chunk);
                f.write_all(&chunk).await?;
            }
            f.flush().await?;
            Ok(())
        }
        .await;
        drop(f);
        let ok = res.and_then(|()| {
            let got = hex::encode(h.finalize());
            if got != sha256 {
                anyhow::bail!("{}: image {sha256} has digest {got} in the store", r.url);
            }
            Ok(())
        });
        if let Err(e) = ok {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        self.commit_local(&tmp, &dest).await?;
        Ok(dest)
    }

    async fn commit_local(
        &self,
        tmp: &std::path::Path,
        dest: &std::path::Path,
    ) -> anyhow::Result<()> {
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(tmp, dest).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(
        parts: &[&[u8]],
    ) -> impl futures_util::Stream<Item = Result<bytes::Bytes, String>> + Unpin {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(bytes::Bytes::copy_from_slice(p)))
                .collect::<Vec<_>>(),
        )
    }

    const HELLO_SHA: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    #[tokio::test]
    async fn local_store_hashes_dedups_and_limits() {
        let d = tempfile::tempdir().unwrap();
        let b = BlobStore::new(d.path().join("blobs")).unwrap();
        let (sha, n) = b
            .put_stream(chunks(&[b"hello ", b"world"]), 100)
            .await
            .unwrap();
        assert_eq!(sha, HELLO_SHA);
        assert_eq!(n, 11);
        let p = b.path(&sha).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"hello world");
        assert!(p.ends_with(format!("b9/{HELLO_SHA}")));
        assert!(b.exists(&sha).await);
        // the same content again: one file
        let (sha2, _) = b.put_stream(chunks(&[b"hello world"]), 100).await.unwrap();
        assert_eq!(sha2, sha);
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
        // over the limit: refused, nothing left behind
        let e = b
            .put_stream(chunks(&[b"0123456789", b"0123456789"]), 15)
            .await
            .unwrap_err();
        assert!(matches!(e, PutError::TooLarge(15)), "{e}");
        assert_eq!(
            std::fs::read_dir(d.path().join("blobs/tmp"))
                .unwrap()
                .count(),
            0
        );
        // interrupted upload: refused
        let bad = stream::iter(vec![
            Ok(bytes::Bytes::from_static(b"x")),
            Err("reset".to_string()),
        ]);
        let e = b.put_stream(bad, 100).await.unwrap_err();
        assert!(matches!(e, PutError::Interrupted(_)), "{e}");
        assert_eq!(
            std::fs::read_dir(d.path().join("blobs/tmp"))
                .unwrap()
                .count(),
            0
        );
        // hostile names never leave the store
        assert!(b.path("../../etc/passwd").is_none());
        assert!(b.path(&"A".repeat(64)).is_none());
        assert!(!b.exists("zz").await);
        assert!(b.fetch(&"0".repeat(64)).await.is_err());
    }

    #[tokio::test]
    async fn object_store_upload_fetch_and_digest_check() {
        let d = tempfile::tempdir().unwrap();
        let mem = Arc::new(object_store::memory::InMemory::new());
        let serve =
            BlobStore::with_object_store(d.path().join("c1"), mem.clone(), "images/", "memory://")
                .unwrap();
        let (sha, _) = serve
            .put_stream(chunks(&[b"hello world"]), 100)
            .await
            .unwrap();
        let key = ObjPath::from(format!("images/b9/{HELLO_SHA}"));
        let stored = mem.get(&key).await.unwrap().bytes().await.unwrap();
        assert_eq!(&stored[..], b"hello world");
        // another machine with an empty cache fetches it
        let worker =
            BlobStore::with_object_store(d.path().join("c2"), mem.clone(), "images", "memory://")
                .unwrap();
        assert!(worker.exists(&sha).await);
        let p = worker.fetch(&sha).await.unwrap();
        assert!(p.starts_with(d.path().join("c2")));
        assert_eq!(std::fs::read(&p).unwrap(), b"hello world");
        // a tampered object is refused
        let other = "1".repeat(64);
        mem.put(
            &ObjPath::from(format!("images/11/{other}")),
            bytes::Bytes::from_static(b"not it").into(),
        )
        .await
        .unwrap();
        let e = worker.fetch(&other).await.unwrap_err().to_string();
        assert!(e.contains("has digest"), "{e}");
        assert!(!worker.path(&other).unwrap().exists());
    }
}
