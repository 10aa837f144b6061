//! The web UI: server-rendered pages over the same access checks as the API, with a few
//! lines of JavaScript for uploads and job polling.

use crate::api::{render_report, visible_job, ApiError, Caller};
use crate::auth::Role;
use crate::db::{JobKind, JobState};
use crate::AppState;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use netvet_model::html::escape;
use serde::Deserialize;
use std::fmt::Write as _;

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · netvet</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}nav a{{margin-right:1em}}\
         .pass{{color:#27ae60}}.fail{{color:#c0392b}}.conditional{{color:#d68910}}</style></head><body>\
         <nav><a href=\"/\">Submissions</a><a href=\"/ui/diff\">Release diff</a><a href=\"/ui/network\">Network</a></nav>\
         <h1>{}</h1>{}</body></html>",
        escape(title),
        escape(title),
        body
    ))
}

const LOGIN: &str = "<form method=\"post\" action=\"/ui/login\"><label>API token <input name=\"token\" type=\"password\" size=\"70\"></label> <button id=\"login\">Sign in</button></form>";

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(Form(f): Form<LoginForm>) -> Response {
    let token: String = f
        .token
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (
        [(
            header::SET_COOKIE,
            format!("netvet_token={token}; Path=/; HttpOnly; SameSite=Strict"),
        )],
        Redirect::to("/"),
    )
        .into_response()
}

async fn index(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Html<String>, ApiError> {
    let Ok(Caller(org)) = caller else {
        return Ok(page("Sign in", LOGIN));
    };
    let mut b = format!(
        "<p>Signed in as <strong id=\"org\">{}</strong> ({})</p>",
        escape(&org.name),
        org.role.as_str()
    );
    if org.role != Role::Operator {
        b.push_str(
            "<h2>Submit an image</h2><input type=\"file\" id=\"file\"> <button id=\"upload\" onclick=\"up()\">Upload and scan</button> <span id=\"status\"></span>\
             <script>async function up(){const f=document.getElementById('file').files[0];if(!f)return;\
             document.getElementById('status').textContent='uploading…';\
             const r=await fetch('/api/images?name='+encodeURIComponent(f.name),{method:'POST',body:f});\
             const j=await r.json();if(!r.ok){document.getElementById('status').textContent=j.error;return;}\
             location.href='/ui/jobs/'+j.id;}</script>",
        );
    }
    if org.role == Role::Operator {
        b.push_str("<h2>Certifications</h2><p>Signed with the <a href=\"/api/lab-key.pub\" download>lab key</a>.</p>\
                    <table id=\"certifications\"><tr><th>image</th><th>sha256</th><th>verdict</th><th>attestation</th></tr>");
        for c in state.db.certifications().await?.iter().take(1000) {
            let _ = write!(
                b,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"{v}\">{v}</td><td><a href=\"/api/scans/{}/attestation\" download>download</a></td></tr>",
                escape(&c.image_name),
                escape(&c.image_sha256),
                escape(&c.job_id),
                v = c.verdict.map_or("", |v| v.as_str()),
            );
        }
        b.push_str("</table>");
    }
    let jobs = state.db.jobs(&org, None).await?;
    b.push_str("<h2>Jobs</h2><table id=\"jobs\"><tr><th>kind</th><th>image</th><th>state</th><th>verdict</th><th>created</th></tr>");
    for j in jobs {
        let _ = write!(
            b,
            "<tr><td><a href=\"/ui/jobs/{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&j.id),
            j.kind.as_str(),
            escape(j.image_name.as_deref().unwrap_or("")),
            j.state.as_str(),
            escape(j.verdict.as_deref().unwrap_or("")),
            escape(j.verdict.as_deref().unwrap_or("")),
            j.created
        );
    }
    b.push_str("</table>");
    Ok(page("netvet lab", &b))
}

async fn job_page(
    State(state): State<AppState>,
    Caller(org): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let j = visible_job(&state, &org, &id).await?;
    if matches!(j.state, JobState::Queued | JobState::Running) {
        let body = format!(
            "<p id=\"state\">{} {}: <strong>{}</strong></p><script>setTimeout(()=>location.reload(),1000)</script>",
            j.kind.as_str(),
            escape(j.image_name.as_deref().unwrap_or("")),
            j.state.as_str()
        );
        return Ok(page("Job in progress", &body).into_response());
    }
    if j.state == JobState::Failed {
        let body = format!(
            "<p id=\"state\" class=\"failed\">failed: {}</p>",
            escape(j.error.as_deref().unwrap_or(""))
        );
        return Ok(page("Job failed", &body).into_response());
    }
    match j.kind {
        JobKind::Scan if org.role != Role::Operator => {
            Ok(page("Scan report", &scan_body(&state, &org, &j).await).into_response())
        }
        _ => {
            let pretty = j
                .result
                .as_deref()
                .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_default();
            let body = format!(
                "<p>Result: <strong id=\"verdict\">{}</strong></p><pre id=\"result\">{}</pre>",
                escape(j.verdict.as_deref().unwrap_or("done")),
                escape(&pretty)
            );
            Ok(page(&format!("{} result", j.kind), &body).into_response())
        }
    }
}

/// The scan page: verdict and links to every report format, then the HTML report of the
/// report crate when this build has it (in a frame), otherwise a findings table.
async fn scan_body(state: &AppState, org: &crate::db::Org, j: &crate::db::Job) -> String {
    let id = escape(&j.id);
    let verdict = j.verdict.as_deref().unwrap_or("none");
    let mut b = format!(
        "<p>Image <strong id=\"image\">{}</strong> <code>{}</code></p>\
         <p>Verdict: <strong id=\"verdict\" class=\"{v}\">{v}</strong></p><p>Report: ",
        escape(j.image_name.as_deref().unwrap_or("")),
        escape(j.image_sha256.as_deref().unwrap_or("")),
        v = escape(verdict),
    );
    for f in ["json", "sarif", "html", "md", "cyclonedx", "spdx"] {
        let _ = write!(b, "<a href=\"/api/scans/{id}/report?format={f}\">{f}</a> ");
    }
    let _ = write!(
        b,
        "</p><p>Certification: <a id=\"attestation\" href=\"/api/scans/{id}/attestation\" download>download the signed attestation</a> \
         (DSSE envelope, in-toto statement) and the <a id=\"labkey\" href=\"/api/lab-key.pub\" download>lab public key</a>; \
         check with <code>netvet verify IMAGE --attestation FILE --pubkey lab.pub</code></p>"
    );
    if render_report(state, org, &j.id, "html").await.is_ok() {
        let _ = write!(
            b,
            "<iframe id=\"report\" title=\"report\" src=\"/api/scans/{id}/report?format=html\" style=\"width:100%;height:80vh;border:1px solid #ccc\"></iframe>"
        );
        return b;
    }
    let report: Option<netvet_model::Report> = j
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    let Some(report) = report else {
        return b;
    };
    let _ = write!(
        b,
        "<p>{} files unpacked, {} components, {} findings.</p>\
         <table id=\"findings\"><tr><th>severity</th><th>kind</th><th>path</th><th>title</th></tr>",
        report.unpack.files,
        report.components.len(),
        report.findings.len()
    );
    for f in report.findings.iter().take(2000) {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.severity.as_str(),
            escape(&f.kind),
            escape(f.path.as_deref().unwrap_or("")),
            escape(&f.title)
        );
    }
    b.push_str("</table>");
    b
}

async fn diff_page(
    State(state): State<AppState>,
    Caller(org): Caller,
) -> Result<Html<String>, ApiError> {
    let jobs = state.db.jobs(&org, Some(JobKind::Scan)).await?;
    let mut opts = String::new();
    for j in jobs.iter().filter(|j| j.state == JobState::Done) {
        let sha = j.image_sha256.clone().unwrap_or_default();
        let _ = write!(
            opts,
            "<option value=\"{}\">{} ({})</option>",
            escape(&sha),
            escape(j.image_name.as_deref().unwrap_or("")),
            escape(sha.get(..12).unwrap_or(&sha))
        );
    }
    let b = format!(
        "<label>Old <select id=\"old\">{opts}</select></label> <label>New <select id=\"new\">{opts}</select></label> \
         <button id=\"go\" onclick=\"go('diff')\">Release diff</button> <button onclick=\"go('equiv')\">Binary equivalence</button>\
         <script>async function go(k){{const a=document.getElementById('old').value,b=document.getElementById('new').value;\
         const r=await fetch('/api/'+k,{{method:'POST',headers:{{'content-type':'application/json'}},body:JSON.stringify({{a:a,b:b}})}});\
         const j=await r.json();if(r.ok)location.href='/ui/jobs/'+j.id;else alert(j.error);}}</script>"
    );
    Ok(page("Release diff", &b))
}

async fn network_page(Caller(org): Caller) -> Result<Html<String>, ApiError> {
    if org.role == Role::Vendor {
        return Ok(page(
            "Network assessment",
            "<p>Vendors cannot run network assessments.</p>",
        ));
    }
    let b = "<p>Inventory (CSV) and policy (TOML):</p><textarea id=\"inv\" rows=\"10\" cols=\"100\">site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n</textarea><br>\
             <textarea id=\"pol\" rows=\"10\" cols=\"100\">[vendors]\n[rules]\n</textarea><br><button id=\"assess\" onclick=\"go()\">Assess</button>\
             <script>async function go(){const r=await fetch('/api/network',{method:'POST',headers:{'content-type':'application/json'},\
             body:JSON.stringify({inventory:document.getElementById('inv').value,policy:document.getElementById('pol').value})});\
             const j=await r.json();if(r.ok)location.href='/ui/jobs/'+j.id;else alert(j.error);}</script>";
    Ok(page("Network assessment", b))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/ui/login", post(login))
        .route("/ui/jobs/{id}", get(job_page))
        .route("/ui/diff", get(diff_page))
        .route("/ui/network", get(network_page))
}
