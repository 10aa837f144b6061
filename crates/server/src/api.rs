//! The HTTP API. Every handler takes the caller's organization from its token and checks it:
//! a vendor never learns whether another vendor's image, job or report exists (404, exactly
//! as for an unknown id).

use crate::auth::{hash_token, Role};
use crate::blob::PutError;
use crate::db::{Job, JobKind, JobState, Org};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// An API error with its status code.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
    }
}

fn not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "not found".into())
}

fn forbidden(what: &str) -> ApiError {
    ApiError(
        StatusCode::FORBIDDEN,
        format!("your organization's role may not {what}"),
    )
}

/// The authenticated caller.
pub struct Caller(pub Org);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
            .or_else(|| {
                parts
                    .headers
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|c| {
                        c.split(';')
                            .map(str::trim)
                            .find_map(|kv| kv.strip_prefix("netvet_token="))
                            .map(str::to_string)
                    })
            })
            .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "missing API token".into()))?;
        match state
            .db
            .org_by_token_hash(&hash_token(token.trim()))
            .await?
        {
            Some(o) => Ok(Caller(o)),
            None => Err(ApiError(
                StatusCode::UNAUTHORIZED,
                "invalid API token".into(),
            )),
        }
    }
}

pub fn visible(org: &Org, job: &Job) -> bool {
    org.role == Role::Lab || job.org_id == org.id
}

pub async fn visible_job(state: &AppState, org: &Org, id: &str) -> Result<Job, ApiError> {
    match state.db.job(id).await? {
        Some(j) if visible(org, &j) => Ok(j),
        _ => Err(not_found()),
    }
}

#[derive(Deserialize)]
pub struct UploadQuery {
    pub name: Option<String>,
}

async fn upload(
    State(state): State<AppState>,
    Caller(org): Caller,
    Query(q): Query<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    if org.role == Role::Operator {
        return Err(forbidden("submit images"));
    }
    let name = q.name.unwrap_or_else(|| "image.bin".into());
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let max = state.config.max_upload;
    // refuse early when the client announces too much; the stream is counted anyway
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > max {
            return Err(ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("upload of {len} bytes is larger than the limit of {max} bytes"),
            ));
        }
    }
    let (sha, size) = state
        .blobs
        .put_stream(body.into_data_stream(), max)
        .await
        .map_err(|e| {
            let code = match e {
                PutError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                PutError::Interrupted(_) => StatusCode::BAD_REQUEST,
                PutError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            ApiError(code, e.to_string())
        })?;
    if size == 0 {
        return Err(ApiError(StatusCode::BAD_REQUEST, "empty upload".into()));
    }
    state.db.add_image(&sha, &org, &name, size).await?;
    let job = state
        .db
        .enqueue(
            JobKind::Scan,
            &org,
            &json!({"sha256": sha, "name": name}),
            Some((&sha, &name)),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

async fn list_scans(
    State(state): State<AppState>,
    Caller(org): Caller,
) -> Result<Json<Vec<Job>>, ApiError> {
    if org.role == Role::Operator {
        return Err(forbidden("list scans (use /api/certifications)"));
    }
    Ok(Json(state.db.jobs(&org, Some(JobKind::Scan)).await?))
}

async fn list_jobs(
    State(state): State<AppState>,
    Caller(org): Caller,
) -> Result<Json<Vec<Job>>, ApiError> {
    Ok(Json(state.db.jobs(&org, None).await?))
}

async fn get_job(
    State(state): State<AppState>,
    Caller(org): Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let j = visible_job(&state, &org, &id).await?;
    let result: serde_json::Value = j
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(serde_json::Value::Null);
    let mut v = serde_json::to_value(&j).map_err(|e| anyhow::anyhow!(e))?;
    if j.kind != JobKind::Scan {
        v["result"] = result;
    }
    Ok(Json(v))
}

async fn get_scan(
    State(state): State<AppState>,
    Caller(org): Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    if org.role == Role::Operator {
        return Err(not_found());
    }
    let j = visible_job(&state, &org, &id).await?;
    if j.kind != JobKind::Scan {
        return Err(not_found());
    }
    Ok(Json(j))
}

/// The signed attestation of a scan: a DSSE envelope (in-toto Statement v1, Ed25519, the lab
/// key of `/api/lab-key.pub`). The lab reads every one; a vendor those of its own scans;
/// an operator those of finished scans with a verdict (the certifications it may list);
/// anything else is the 404 of an unknown id. 409 while the scan is not finished.
async fn get_attestation(
    State(state): State<AppState>,
    Caller(org): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let j = match org.role {
        Role::Operator => match state.db.job(&id).await? {
            Some(j)
                if j.kind == JobKind::Scan && j.state == JobState::Done && j.verdict.is_some() =>
            {
                j
            }
            _ => return Err(not_found()),
        },
        _ => visible_job(&state, &org, &id).await?,
    };
    if j.kind != JobKind::Scan {
        return Err(not_found());
    }
    if j.state != JobState::Done {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("scan is {}", j.state),
        ));
    }
    let env = crate::attest::ensure(&state, &j).await?;
    let stem: String = j
        .image_name
        .as_deref()
        .unwrap_or("image")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.intoto.json\""),
            ),
        ],
        env,
    )
        .into_response())
}

/// The lab's public key (PEM SPKI), to verify attestations with `netvet verify --pubkey` or
/// put in a `netvet network --certs` directory. Public: no token needed.
async fn lab_key_pub(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lab.pub\"".to_string(),
            ),
            (
                header::HeaderName::from_static("x-netvet-keyid"),
                state.lab_key.keyid.clone(),
            ),
        ],
        state.lab_key.public_pem.clone(),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ReportQuery {
    pub format: Option<String>,
}

/// The report of a finished scan in any format of the report contract.
pub async fn render_report(
    state: &AppState,
    org: &Org,
    id: &str,
    format: &str,
) -> Result<(String, &'static str), ApiError> {
    if org.role == Role::Operator {
        return Err(not_found());
    }
    let j = visible_job(state, org, id).await?;
    if j.kind != JobKind::Scan {
        return Err(not_found());
    }
    let Some(result) = j.result.as_deref() else {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("scan is {}", j.state),
        ));
    };
    let mut report: netvet_model::Report = serde_json::from_str(result)
        .map_err(|e| anyhow::anyhow!("stored report unreadable: {e}"))?;
    // what changed since the previous evaluation of the same product, and the attestation
    // digest (the PDF prints it on every page)
    if let Some(old) = crate::previous::previous_report(&state.db, &j).await? {
        netvet_report::evaluation::attach_previous(&mut report, &old);
    }
    if let Some(env) = &j.attestation {
        use sha2::Digest as _;
        let digest = hex::encode(sha2::Sha256::digest(env.as_bytes()));
        report
            .summaries
            .insert("attestation".into(), json!({"sha256": digest}));
    }
    let fmt: netvet_report::Format = format
        .parse()
        .map_err(|e: String| ApiError(StatusCode::BAD_REQUEST, e))?;
    let text = netvet_report::render(&report, fmt).map_err(|e| match e {
        netvet_report::RenderError::NotAvailable(_) => {
            ApiError(StatusCode::NOT_IMPLEMENTED, e.to_string())
        }
        _ => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    let ctype = match fmt {
        netvet_report::Format::Html => "text/html; charset=utf-8",
        netvet_report::Format::Markdown => "text/markdown; charset=utf-8",
        netvet_report::Format::Sarif => "application/sarif+json",
        netvet_report::Format::CycloneDx
        | netvet_report::Format::CycloneDx15
        | netvet_report::Format::Vex => "application/vnd.cyclonedx+json",
        netvet_report::Format::Spdx | netvet_report::Format::Spdx23 => "application/spdx+json",
        netvet_report::Format::Json => "application/json",
        netvet_report::Format::Pdf => "application/pdf",
    };
    Ok((text, ctype))
}

async fn get_report(
    State(state): State<AppState>,
    Caller(org): Caller,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (text, ctype) =
        render_report(&state, &org, &id, q.format.as_deref().unwrap_or("json")).await?;
    Ok(([(header::CONTENT_TYPE, ctype)], text).into_response())
}

async fn certifications(
    State(state): State<AppState>,
    Caller(org): Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut out = Vec::new();
    for c in state.db.certifications().await? {
        // a vendor lists its own scans only: not even the name another vendor gave the
        // same bytes
        if org.role == Role::Vendor && c.org_id != org.id {
            continue;
        }
        out.push(json!({
            "image_sha256": c.image_sha256,
            "image_name": c.image_name,
            "verdict": c.verdict,
            "scan": c.job_id,
            "attestation": format!("/api/scans/{}/attestation", c.job_id),
        }));
    }
    Ok(Json(json!(out)))
}

#[derive(Deserialize)]
pub struct PairRequest {
    pub a: String,
    pub b: String,
}

async fn pair_job(
    state: &AppState,
    org: &Org,
    kind: JobKind,
    a: &str,
    b: &str,
) -> Result<Job, ApiError> {
    if org.role == Role::Operator {
        return Err(forbidden("compare images"));
    }
    for sha in [a, b] {
        if !state.db.can_read_image(org, sha).await? || !state.blobs.exists(sha).await {
            return Err(not_found());
        }
    }
    let payload = if kind == JobKind::Diff {
        json!({"old": a, "new": b})
    } else {
        json!({"a": a, "b": b})
    };
    Ok(state.db.enqueue(kind, org, &payload, None).await?)
}

async fn equiv(
    State(state): State<AppState>,
    Caller(org): Caller,
    Json(r): Json<PairRequest>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(pair_job(&state, &org, JobKind::Equiv, &r.a, &r.b).await?),
    ))
}

async fn diff(
    State(state): State<AppState>,
    Caller(org): Caller,
    Json(r): Json<PairRequest>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(pair_job(&state, &org, JobKind::Diff, &r.a, &r.b).await?),
    ))
}

#[derive(Deserialize)]
pub struct NetworkRequest {
    pub inventory: String,
    pub policy: String,
}

async fn network(
    State(state): State<AppState>,
    Caller(org): Caller,
    Json(r): Json<NetworkRequest>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    if org.role == Role::Vendor {
        return Err(forbidden("run network assessments"));
    }
    // the worker reads the stored attestations and verifies them with the lab key when
    // the job runs
    let job = state
        .db
        .enqueue(
            JobKind::Network,
            &org,
            &json!({"inventory": r.inventory, "policy": r.policy}),
            None,
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::SPEC,
    )
        .into_response()
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route(
            "/api/images",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/scans", get(list_scans))
        .route("/api/scans/{id}", get(get_scan))
        .route("/api/scans/{id}/report", get(get_report))
        .route("/api/scans/{id}/attestation", get(get_attestation))
        .route("/api/jobs", get(list_jobs))
        .route("/api/jobs/{id}", get(get_job))
        .route("/api/certifications", get(certifications))
        .route("/api/lab-key.pub", get(lab_key_pub))
        .route("/api/equiv", post(equiv))
        .route("/api/diff", post(diff))
        .route("/api/network", post(network))
        .merge(crate::ui::routes())
        .with_state(state)
}

/// Serve until ctrl-c, with an in-process worker unless `in_process_worker` is false.
pub async fn serve(state: AppState, listen: &str, in_process_worker: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let worker = in_process_worker.then(|| {
        let st = state.clone();
        tokio::spawn(crate::jobs::run_worker(
            st,
            format!("serve-{}", crate::new_id()),
            None,
            rx,
        ))
    });
    eprintln!("netvet: serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            crate::shutdown_signal().await;
        })
        .await?;
    let _ = tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    Ok(())
}
