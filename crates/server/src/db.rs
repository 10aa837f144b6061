//! Storage: one schema and one set of queries for SQLite (default) and PostgreSQL, through
//! sqlx's `Any` driver. Times are integer seconds since the epoch so both back ends agree.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// The migrations, applied in order and recorded in `netvet_migrations`; append only, never
/// edit one that has shipped. The same text runs on both back ends.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS images (sha256 TEXT NOT NULL, org_id TEXT NOT NULL REFERENCES orgs(id), name TEXT NOT NULL, size BIGINT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (sha256, org_id))",
    "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, org_id TEXT NOT NULL REFERENCES orgs(id), state TEXT NOT NULL, payload TEXT NOT NULL, result TEXT, error TEXT, verdict TEXT, image_sha256 TEXT, image_name TEXT, attempts BIGINT NOT NULL DEFAULT 0, completions BIGINT NOT NULL DEFAULT 0, worker TEXT, lease_until BIGINT NOT NULL DEFAULT 0, created BIGINT NOT NULL, finished BIGINT)",
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, lease_until)",
    "CREATE INDEX IF NOT EXISTS jobs_org ON jobs (org_id, kind)",
    // signed attestations (DSSE envelope JSON) of finished scans, and the lab's public key
    "ALTER TABLE jobs ADD COLUMN attestation TEXT",
    "CREATE TABLE IF NOT EXISTS lab_keys (id TEXT PRIMARY KEY, keyid TEXT NOT NULL, public_pem TEXT NOT NULL, created BIGINT NOT NULL)",
];

/// What a job does. The names are the API's and the database's `kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Scan,
    Equiv,
    Diff,
    Network,
}

/// Where a job is. The names are the API's and the database's `state` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

/// `as_str`, `Display` and `FromStr` over the wire names of a field-less enum.
macro_rules! wire_names {
    ($ty:ident, $what:literal, $($v:ident => $s:literal),+) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$v),+];
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$v => $s),+
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!(concat!("unknown job ", $what, " '{}'"), s))
            }
        }
    };
}

wire_names!(JobKind, "kind", Scan => "scan", Equiv => "equiv", Diff => "diff", Network => "network");
wire_names!(JobState, "state", Queued => "queued", Running => "running", Done => "done", Failed => "failed");

/// A job (scan, diff, equiv or network assessment).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    #[serde(skip)]
    pub org_id: String,
    pub state: JobState,
    #[serde(skip)]
    pub payload: String,
    #[serde(skip)]
    pub result: Option<String>,
    pub error: Option<String>,
    pub verdict: Option<String>,
    pub image_sha256: Option<String>,
    pub image_name: Option<String>,
    pub attempts: i64,
    #[serde(skip)]
    pub completions: i64,
    pub created: i64,
    pub finished: Option<i64>,
    /// DSSE envelope (JSON text) of a finished scan.
    #[serde(skip)]
    pub attestation: Option<String>,
}

const JOB_COLS: &str = "id, kind, org_id, state, payload, result, error, verdict, image_sha256, image_name, attempts, completions, created, finished, attestation";

/// A finished scan with a verdict, as listed among the certifications.
#[derive(Debug, Clone)]
pub struct CertRow {
    pub job_id: String,
    pub org_id: String,
    pub image_sha256: String,
    pub image_name: String,
    /// The verdict the scan stored; `None` for one this version does not know.
    pub verdict: Option<netvet_model::VerdictResult>,
    pub attestation: Option<String>,
}

/// A text column that holds one of an enum's wire names.
fn wire<T: std::str::FromStr<Err = String>>(r: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|e: String| sqlx::Error::ColumnDecode {
        index: col.to_string(),
        source: e.into(),
    })
}

fn job_of(r: &AnyRow) -> Result<Job, sqlx::Error> {
    Ok(Job {
        id: r.try_get("id")?,
        kind: wire(r, "kind")?,
        org_id: r.try_get("org_id")?,
        state: wire(r, "state")?,
        payload: r.try_get("payload")?,
        result: r.try_get("result")?,
        error: r.try_get("error")?,
        verdict: r.try_get("verdict")?,
        image_sha256: r.try_get("image_sha256")?,
        image_name: r.try_get("image_name")?,
        attempts: r.try_get("attempts")?,
        completions: r.try_get("completions")?,
        created: r.try_get("created")?,
        finished: r.try_get("finished")?,
        attestation: r.try_get("attestation")?,
    })
}

/// An organization as seen by the access checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub role: crate::auth::Role,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else if url.starts_with("sqlite") {
            Backend::Sqlite
        } else {
            anyhow::bail!("database URL '{url}': expected sqlite://... or postgres://...");
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 8 })
            .acquire_timeout(std::time::Duration::from_secs(10));
        if backend == Backend::Sqlite {
            // per connection: a recycled connection must get them again. WAL and a busy
            // timeout let `netvet worker` processes share the file with `netvet serve`.
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA journal_mode=WAL").await?;
                    conn.execute("PRAGMA busy_timeout=10000").await?;
                    conn.execute("PRAGMA foreign_keys=ON").await?;
                    Ok(())
                })
            });
        }
        let pool = opts
            .connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact(url)))?;
        Ok(Db { pool, backend })
    }

    /// Apply the migrations not yet applied, recorded in `netvet_migrations`. On PostgreSQL
    /// the whole run holds an advisory lock, so workers starting together on a fresh database
    /// do not race each other's `CREATE TABLE`.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7268616)")
                .execute(&mut *tx)
                .await
                .map_err(|e| anyhow::anyhow!("migration lock: {e}"))?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS netvet_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(|e| anyhow::anyhow!("migration table: {e}"))?;
        let done: i64 = sqlx::query("SELECT COUNT(*) AS n FROM netvet_migrations")
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        for (i, m) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
            sqlx::query(m)
                .execute(&mut *tx)
                .await
                .map_err(|e| anyhow::anyhow!("migration {} failed: {e}: {m}", i + 1))?;
            sqlx::query("INSERT INTO netvet_migrations (version, applied) VALUES ($1, $2)")
                .bind(i as i64 + 1)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_org(&self, name: &str, role: crate::auth::Role) -> anyhow::Result<Org> {
        if let Some(o) = self.org_by_name(name).await? {
            if o.role != role {
                anyhow::bail!("organization '{name}' exists with role {}", o.role.as_str());
            }
            return Ok(o);
        }
        let id = crate::new_id();
        sqlx::query("INSERT INTO orgs (id, name, role, created) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(name)
            .bind(role.as_str())
            .bind(crate::now())
            .execute(&self.pool)
            .await?;
        Ok(Org {
            id,
            name: name.to_string(),
            role,
        })
    }

    pub async fn org_by_name(&self, name: &str) -> anyhow::Result<Option<Org>> {
        let r = sqlx::query("SELECT id, name, role FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.and_then(|r| org_of(&r)))
    }

    pub async fn add_token(&self, org: &Org, hash: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO tokens (hash, org_id, created) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(&org.id)
            .bind(crate::now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn org_by_token_hash(&self, hash: &str) -> anyhow::Result<Option<Org>> {
        let r = sqlx::query(
            "SELECT o.id AS id, o.name AS name, o.role AS role FROM tokens t JOIN orgs o ON o.id = t.org_id WHERE t.hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.and_then(|r| org_of(&r)))
    }

    pub async fn add_image(
        &self,
        sha: &str,
        org: &Org,
        name: &str,
        size: u64,
    ) -> anyhow::Result<()> {
        let exists = sqlx::query("SELECT sha256 FROM images WHERE sha256 = $1 AND org_id = $2")
            .bind(sha)
            .bind(&org.id)
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            sqlx::query("INSERT INTO images (sha256, org_id, name, size, created) VALUES ($1, $2, $3, $4, $5)")
                .bind(sha)
                .bind(&org.id)
                .bind(name)
                .bind(size as i64)
                .bind(crate::now())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Does `org` own the image (lab organizations see every image)?
    pub async fn can_read_image(&self, org: &Org, sha: &str) -> anyhow::Result<bool> {
        if org.role == crate::auth::Role::Lab {
            return Ok(true);
        }
        let r = sqlx::query("SELECT sha256 FROM images WHERE sha256 = $1 AND org_id = $2")
            .bind(sha)
            .bind(&org.id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.is_some())
    }

    pub async fn enqueue(
        &self,
        kind: JobKind,
        org: &Org,
        payload: &serde_json::Value,
        image: Option<(&str, &str)>,
    ) -> anyhow::Result<Job> {
        let id = crate::new_id();
        sqlx::query("INSERT INTO jobs (id, kind, org_id, state, payload, image_sha256, image_name, created) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7)")
            .bind(&id)
            .bind(kind.as_str())
            .bind(&org.id)
            .bind(payload.to_string())
            .bind(image.map(|i| i.0.to_string()))
            .bind(image.map(|i| i.1.to_string()))
            .bind(crate::now())
            .execute(&self.pool)
            .await?;
        self.job(&id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job {id} vanished"))
    }

    pub async fn job(&self, id: &str) -> anyhow::Result<Option<Job>> {
        let r = sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => Some(job_of(&r)?),
            None => None,
        })
    }

    /// Jobs visible to `org`: its own, or all for a lab.
    pub async fn jobs(&self, org: &Org, kind: Option<JobKind>) -> anyhow::Result<Vec<Job>> {
        let all = org.role == crate::auth::Role::Lab;
        let sql = format!(
            "SELECT {JOB_COLS} FROM jobs WHERE ($1 = 1 OR org_id = $2) AND ($3 = '' OR kind = $3) ORDER BY created DESC, id LIMIT 1000"
        );
        let rows = sqlx::query(&sql)
            .bind(if all { 1i64 } else { 0i64 })
            .bind(&org.id)
            .bind(kind.map_or("", JobKind::as_str))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| job_of(r).map_err(Into::into)).collect()
    }

    /// Finished scans of one organisation, newest first (at most 500), with their reports.
    pub async fn done_scans_of_org(&self, org_id: &str) -> anyhow::Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLS} FROM jobs WHERE org_id = $1 AND kind = 'scan' AND state = 'done' ORDER BY created DESC, id LIMIT 500"
        );
        let rows = sqlx::query(&sql).bind(org_id).fetch_all(&self.pool).await?;
        rows.iter().map(|r| job_of(r).map_err(Into::into)).collect()
    }

    /// Finished scans with a verdict, newest first, with their attestations.
    pub async fn certifications(&self) -> anyhow::Result<Vec<CertRow>> {
        let rows = sqlx::query(
            "SELECT id, org_id, image_sha256, image_name, verdict, attestation FROM jobs WHERE kind = 'scan' AND state = 'done' AND verdict IS NOT NULL ORDER BY finished DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let sha: Option<String> = r.try_get("image_sha256")?;
            let name: Option<String> = r.try_get("image_name")?;
            let verdict: Option<String> = r.try_get("verdict")?;
            if let (Some(s), Some(n), Some(v)) = (sha, name, verdict) {
                out.push(CertRow {
                    job_id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    image_sha256: s,
                    image_name: n,
                    verdict: v.parse().ok(),
                    attestation: r.try_get("attestation")?,
                });
            }
        }
        Ok(out)
    }

    /// Store a scan's attestation unless it has one already.
    pub async fn set_attestation(&self, id: &str, envelope: &str) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET attestation = $1 WHERE id = $2 AND attestation IS NULL AND state = 'done'",
        )
        .bind(envelope)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The lab key recorded in the database: `(keyid, public key PEM)`.
    pub async fn lab_key(&self) -> anyhow::Result<Option<(String, String)>> {
        let r = sqlx::query("SELECT keyid, public_pem FROM lab_keys WHERE id = 'lab'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => Some((r.try_get("keyid")?, r.try_get("public_pem")?)),
            None => None,
        })
    }

    /// Record the lab key unless one is recorded (the first process to start wins); returns
    /// the recorded key.
    pub async fn record_lab_key(
        &self,
        keyid: &str,
        public_pem: &str,
    ) -> anyhow::Result<(String, String)> {
        sqlx::query("INSERT INTO lab_keys (id, keyid, public_pem, created) VALUES ('lab', $1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(keyid)
            .bind(public_pem)
            .bind(crate::now())
            .execute(&self.pool)
            .await?;
        self.lab_key()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the lab key was not recorded"))
    }

    /// Claim the oldest queued job, or a running job whose lease expired. A job whose lease
    /// expired `max_attempts` times is marked failed instead of being retried.
    pub async fn claim(
        &self,
        worker: &str,
        lease_secs: i64,
        max_attempts: i64,
    ) -> anyhow::Result<Option<Job>> {
        let now = crate::now();
        sqlx::query("UPDATE jobs SET state = 'failed', error = $1, finished = $2, completions = completions + 1 WHERE state = 'running' AND lease_until < $2 AND attempts >= $3")
            .bind(format!("gave up: the worker was lost {max_attempts} times while running this job"))
            .bind(now)
            .bind(max_attempts)
            .execute(&self.pool)
            .await?;
        let pick = match self.backend {
            Backend::Postgres => "SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < $3) ORDER BY created, id LIMIT 1 FOR UPDATE SKIP LOCKED",
            // SQLite has one writer at a time: the UPDATE below is atomic on its own
            Backend::Sqlite => "SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < $3) ORDER BY created, id LIMIT 1",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = attempts + 1 WHERE id = ({pick}) RETURNING id"
        );
        let r = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_secs)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        match r {
            Some(r) => {
                let id: String = r.try_get("id")?;
                self.job(&id).await
            }
            None => Ok(None),
        }
    }

    /// Ids of the running jobs held by workers whose id starts with `worker_prefix`.
    pub async fn running_jobs_of(&self, worker_prefix: &str) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id, worker FROM jobs WHERE state = 'running' ORDER BY created, id LIMIT 10000",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let w: Option<String> = r.try_get("worker")?;
            if w.is_some_and(|w| w.starts_with(worker_prefix)) {
                out.push(r.try_get("id")?);
            }
        }
        Ok(out)
    }

    /// Extend the lease; false when the job is no longer this worker's.
    pub async fn heartbeat(&self, id: &str, worker: &str, lease_secs: i64) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND state = 'running'",
        )
        .bind(crate::now() + lease_secs)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Record the result; accepted only from the worker that holds the job.
    pub async fn complete(
        &self,
        id: &str,
        worker: &str,
        result: Result<(String, Option<String>), String>,
    ) -> anyhow::Result<bool> {
        self.complete_attested(id, worker, result, None).await
    }

    /// Record the result and a scan's attestation in one update; accepted only from the
    /// worker that holds the job.
    pub async fn complete_attested(
        &self,
        id: &str,
        worker: &str,
        result: Result<(String, Option<String>), String>,
        attestation: Option<String>,
    ) -> anyhow::Result<bool> {
        let (state, res, err, verdict) = match result {
            Ok((r, v)) => (JobState::Done, Some(r), None, v),
            Err(e) => (JobState::Failed, None, Some(e), None),
        };
        let r = sqlx::query("UPDATE jobs SET state = $1, result = $2, error = $3, verdict = $4, finished = $5, completions = completions + 1, attestation = $8 WHERE id = $6 AND worker = $7 AND state = 'running'")
            .bind(state.as_str())
            .bind(res)
            .bind(err)
            .bind(verdict)
            .bind(crate::now())
            .bind(id)
            .bind(worker)
            .bind(attestation)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Test support: create an empty PostgreSQL database next to the one `base` names and return
/// its URL (the user needs CREATEDB; `scripts/ci-postgres.sh` sets that up).
pub async fn scratch_postgres(base: &str) -> anyhow::Result<String> {
    let db = Db::connect(base).await?;
    if db.backend != Backend::Postgres {
        anyhow::bail!("{}: not a PostgreSQL URL", redact(base));
    }
    // scratch databases carry their creation time; those of earlier runs (over an hour old)
    // are dropped here, so repeated test runs do not pile them up
    let now = crate::now();
    let old = sqlx::query(
        "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'netvet\\_t\\_%' ESCAPE '\\'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap_or_default();
    for r in old {
        let Ok(n) = r.try_get::<String, _>("datname") else {
            continue;
        };
        let created = n
            .split('_')
            .nth(2)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(now);
        if now - created > 3600 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {n}"))
                .execute(&db.pool)
                .await;
        }
    }
    let name = format!("netvet_t_{now}_{}", crate::new_id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&db.pool)
        .await
        .map_err(|e| anyhow::anyhow!("{}: CREATE DATABASE: {e}", redact(base)))?;
    db.pool.close().await;
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (base, String::new()),
    };
    let after_scheme = head.find("://").map(|i| i + 3).unwrap_or(0);
    let head = match head[after_scheme..].find('/') {
        Some(i) => &head[..after_scheme + i],
        None => head,
    };
    Ok(format!("{head}/{name}{query}"))
}

fn org_of(r: &AnyRow) -> Option<Org> {
    let role: String = r.try_get("role").ok()?;
    Some(Org {
        id: r.try_get("id").ok()?,
        name: r.try_get("name").ok()?,
        role: crate::auth::Role::parse(&role)?,
    })
}
