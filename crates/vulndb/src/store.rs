//! The SQLite database: one row of facts per vulnerability (compact JSON), with lookup
//! tables from CPE `vendor:product` and from OSV package names to vulnerability ids.

use crate::record::{records_from_json, Record};
use crate::VulnError;
use rusqlite::{params, Connection, OptionalExtension};
use std::io::Read;
use std::path::{Path, PathBuf};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vuln(
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    published TEXT NOT NULL,
    cvss REAL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cpe_key(
    vendor TEXT NOT NULL, product TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY(vendor, product, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cpe_key_id ON cpe_key(id);
CREATE TABLE IF NOT EXISTS pkg_key(
    name TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY(name, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pkg_key_id ON pkg_key(id);
";

/// Largest input file `import` reads (a full NVD year feed is a few hundred MB).
pub const MAX_IMPORT_FILE: u64 = 4 << 30;
/// Deepest directory nesting `import` walks.
const MAX_DIR_DEPTH: usize = 16;

/// The vulnerability database.
pub struct VulnDb {
    conn: Connection,
    label: String,
}

/// Counts of one `import`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportStats {
    pub files: u64,
    pub records: u64,
    /// Files that could not be read or parsed, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Summary for `netvet db stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbStats {
    pub path: String,
    pub records: u64,
    pub nvd: u64,
    pub osv: u64,
    pub products: u64,
    pub packages: u64,
    pub newest_published: String,
    /// Records per CVSS severity (critical, high, medium, low, none).
    pub by_severity: [u64; 5],
    pub last_import: String,
}

fn sql(label: &str) -> impl Fn(rusqlite::Error) -> VulnError + '_ {
    move |e| VulnError::Db(label.to_string(), e.to_string())
}

impl VulnDb {
    /// The per-user default location: `<data dir>/netvet/vulndb.sqlite`.
    pub fn default_path() -> Option<PathBuf> {
        dirs::data_dir().map(|d| d.join("netvet").join("vulndb.sqlite"))
    }

    /// Open (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<VulnDb, VulnError> {
        let label = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| VulnError::Io(parent.display().to_string(), e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(sql(&label))?;
        Self::init(conn, label)
    }

    /// Open an existing database read-only, or `None` when there is no file.
    pub fn open_existing(path: &Path) -> Result<Option<VulnDb>, VulnError> {
        if !path.is_file() {
            return Ok(None);
        }
        let label = path.display().to_string();
        let ro = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let conn = Connection::open_with_flags(path, ro).map_err(sql(&label))?;
        let probe =
            |c: &Connection| c.query_row("SELECT count(*) FROM vuln", [], |r| r.get::<_, i64>(0));
        match probe(&conn) {
            Ok(_) => Ok(Some(VulnDb { conn, label })),
            Err(first) => {
                // A database left in WAL mode by an older import cannot be read without write
                // access to its directory (the sandboxed scan has none): read it as immutable.
                let uri = format!("file:{}?immutable=1", uri_path(path));
                let conn =
                    Connection::open_with_flags(&uri, ro | rusqlite::OpenFlags::SQLITE_OPEN_URI)
                        .map_err(sql(&label))?;
                // a read-only file that is not ours fails here with a clear message
                probe(&conn).map_err(|e| {
                    VulnError::Db(label.clone(), format!("not a netvet vulndb: {first}; {e}"))
                })?;
                Ok(Some(VulnDb { conn, label }))
            }
        }
    }

    /// A database in memory (the embedded dataset, tests).
    pub fn in_memory() -> Result<VulnDb, VulnError> {
        let conn = Connection::open_in_memory().map_err(sql("memory"))?;
        Self::init(conn, "(in memory)".into())
    }

    fn init(conn: Connection, label: String) -> Result<VulnDb, VulnError> {
        // A rollback journal, not WAL: a scan opens the database read-only from a process whose
        // writes are sandboxed to its temporary directory, and reading a WAL database needs
        // write access beside it (the `-shm` file). Imports are single-writer anyway.
        conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;")
            .or_else(|_| conn.execute_batch("PRAGMA synchronous=NORMAL;"))
            .map_err(sql(&label))?;
        conn.execute_batch(SCHEMA).map_err(sql(&label))?;
        Ok(VulnDb { conn, label })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Insert or replace records (one transaction). Returns how many were written.
    pub fn insert(&mut self, records: &[Record]) -> Result<u64, VulnError> {
        let label = self.label.clone();
        let tx = self.conn.transaction().map_err(sql(&label))?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO vuln(id, source, published, cvss, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql(&label))?;
            let mut del_cpe = tx
                .prepare_cached("DELETE FROM cpe_key WHERE id = ?1")
                .map_err(sql(&label))?;
            let mut del_pkg = tx
                .prepare_cached("DELETE FROM pkg_key WHERE id = ?1")
                .map_err(sql(&label))?;
            let mut put_cpe = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO cpe_key(vendor, product, id) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql(&label))?;
            let mut put_pkg = tx
                .prepare_cached("INSERT OR IGNORE INTO pkg_key(name, id) VALUES (?1, ?2)")
                .map_err(sql(&label))?;
            for r in records {
                let data = serde_json::to_string(r)
                    .map_err(|e| VulnError::Db(label.clone(), e.to_string()))?;
                let source = if r.osv.is_empty() { "nvd" } else { "osv" };
                put.execute(params![r.id, source, r.published, r.cvss, data])
                    .map_err(sql(&label))?;
                del_cpe.execute(params![r.id]).map_err(sql(&label))?;
                del_pkg.execute(params![r.id]).map_err(sql(&label))?;
                for (v, p) in r.cpe_keys() {
                    put_cpe.execute(params![v, p, r.id]).map_err(sql(&label))?;
                }
                for a in &r.osv {
                    put_pkg
                        .execute(params![a.name, r.id])
                        .map_err(sql(&label))?;
                }
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_import', datetime('now'))",
            [],
        )
        .map_err(sql(&label))?;
        tx.commit().map_err(sql(&label))?;
        Ok(records.len() as u64)
    }

    /// Import files and directories (NVD CVE API 2.0 JSON records or feeds, OSV JSON;
    /// `.json` or `.json.gz`). Unreadable files are reported and skipped.
    pub fn import_paths(&mut self, paths: &[PathBuf]) -> Result<ImportStats, VulnError> {
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                collect_json(p, 0, &mut files);
            } else if p.exists() {
                files.push(p.clone());
            } else {
                return Err(VulnError::Io(
                    p.display().to_string(),
                    "no such file or directory".into(),
                ));
            }
        }
        files.sort();
        let mut st = ImportStats::default();
        let mut batch: Vec<Record> = Vec::new();
        for f in &files {
            st.files += 1;
            match read_records(f) {
                Ok(recs) => batch.extend(recs),
                Err(e) => st.failed.push((f.display().to_string(), e)),
            }
            if batch.len() >= 20_000 {
                st.records += self.insert(&batch)?;
                batch.clear();
            }
        }
        st.records += self.insert(&batch)?;
        Ok(st)
    }

    fn load(&self, sql_text: &str, key: &[&str]) -> Result<Vec<Record>, VulnError> {
        let mut st = self
            .conn
            .prepare_cached(sql_text)
            .map_err(sql(&self.label))?;
        let rows = st
            .query_map(rusqlite::params_from_iter(key.iter()), |r| {
                r.get::<_, String>(0)
            })
            .map_err(sql(&self.label))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row.map_err(sql(&self.label))?;
            // a row that does not parse is skipped: it was written by another version
            if let Ok(rec) = serde_json::from_str::<Record>(&text) {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// Records with a vulnerable criterion for `vendor:product` (lower case).
    pub fn by_cpe(&self, vendor: &str, product: &str) -> Result<Vec<Record>, VulnError> {
        self.load(
            "SELECT v.data FROM cpe_key k JOIN vuln v ON v.id = k.id WHERE k.vendor = ?1 AND k.product = ?2",
            &[vendor, product],
        )
    }

    /// OSV records naming package `name` (lower case).
    pub fn by_package(&self, name: &str) -> Result<Vec<Record>, VulnError> {
        self.load(
            "SELECT v.data FROM pkg_key k JOIN vuln v ON v.id = k.id WHERE k.name = ?1",
            &[name],
        )
    }

    /// One record by id.
    pub fn get(&self, id: &str) -> Result<Option<Record>, VulnError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT data FROM vuln WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(sql(&self.label))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub fn stats(&self) -> Result<DbStats, VulnError> {
        let one = |q: &str| -> Result<u64, VulnError> {
            self.conn
                .query_row(q, [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(sql(&self.label))
        };
        let sev = |lo: f64, hi: f64| -> Result<u64, VulnError> {
            self.conn
                .query_row(
                    "SELECT count(*) FROM vuln WHERE cvss >= ?1 AND cvss < ?2",
                    params![lo, hi],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n.max(0) as u64)
                .map_err(sql(&self.label))
        };
        Ok(DbStats {
            path: self.label.clone(),
            records: one("SELECT count(*) FROM vuln")?,
            nvd: one("SELECT count(*) FROM vuln WHERE source = 'nvd'")?,
            osv: one("SELECT count(*) FROM vuln WHERE source = 'osv'")?,
            products: one("SELECT count(*) FROM (SELECT DISTINCT vendor, product FROM cpe_key)")?,
            packages: one("SELECT count(DISTINCT name) FROM pkg_key")?,
            newest_published: self
                .conn
                .query_row("SELECT coalesce(max(published), '') FROM vuln", [], |r| {
                    r.get(0)
                })
                .map_err(sql(&self.label))?,
            by_severity: [
                sev(9.0, 100.0)?,
                sev(7.0, 9.0)?,
                sev(4.0, 7.0)?,
                sev(0.0, 4.0)?,
                one("SELECT count(*) FROM vuln WHERE cvss IS NULL")?,
            ],
            last_import: self
                .conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'last_import'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql(&self.label))?
                .unwrap_or_default(),
        })
    }
}

fn collect_json(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect_json(&p, depth + 1, out);
        } else if ft.is_file() {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if n.ends_with(".json") || n.ends_with(".json.gz") {
                out.push(p);
            }
        }
    }
}

/// Read one `.json` or `.json.gz` file into records.
pub fn read_records(path: &Path) -> Result<Vec<Record>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_IMPORT_FILE {
        return Err(format!(
            "{len} bytes is larger than the {MAX_IMPORT_FILE} limit"
        ));
    }
    let mut head = [0u8; 2];
    let mut bytes = Vec::with_capacity(len.min(1 << 30) as usize);
    f.take(MAX_IMPORT_FILE)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if let Some(h) = bytes.get(..2) {
        head.copy_from_slice(h);
    }
    let doc: serde_json::Value = if head == [0x1f, 0x8b] {
        let dec = flate2::read::MultiGzDecoder::new(&bytes[..]).take(MAX_IMPORT_FILE);
        serde_json::from_reader(std::io::BufReader::new(dec))
            .map_err(|e| format!("gzip JSON: {e}"))?
    } else {
        serde_json::from_slice(&bytes).map_err(|e| format!("JSON: {e}"))?
    };
    records_from_json(&doc).map_err(|e| e.to_string())
}

/// A path as the path part of an SQLite `file:` URI (`%`, `?` and `#` escaped).
fn uri_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}
