//! The HTTP API end to end over loopback: submissions, reports, jobs, and every tenant denial.
//! Each scenario runs on SQLite and, when NETVET_TEST_POSTGRES is set, on PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

const IMG_A: &[u8] = b"vendor A firmware 1.0 with dropbear";
const IMG_A2: &[u8] = b"vendor A firmware 1.1 with dropbear and telnetd";
const IMG_B: &[u8] = b"vendor B secret firmware 7.3";

async fn status(r: reqwest::RequestBuilder) -> (u16, String) {
    let r = r.send().await.unwrap();
    let code = r.status().as_u16();
    (code, r.text().await.unwrap())
}

/// Submit, wait, and return the finished scan job.
async fn scan(h: &Harness, token: &str, name: &str, data: &[u8]) -> Value {
    let (code, job) = h.upload(token, name, data).await;
    assert_eq!(code, 202, "{job}");
    assert_eq!(job["state"], "queued");
    assert_eq!(job["kind"], "scan");
    assert_eq!(job["image_sha256"], sha256_hex(data));
    let done = h.wait(token, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    done
}

async fn tenants(h: &Harness) {
    let a = scan(h, &h.vendor_a, "a-1.0.bin", IMG_A).await;
    let a2 = scan(h, &h.vendor_a, "a-1.1.bin", IMG_A2).await;
    let b = scan(h, &h.vendor_b, "b-7.3.bin", IMG_B).await;
    assert_eq!(a["verdict"], "pass");
    assert_eq!(a2["verdict"], "fail");
    let (sha_a, sha_a2, sha_b) = (sha256_hex(IMG_A), sha256_hex(IMG_A2), sha256_hex(IMG_B));
    let (ida, idb) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    // lists: each vendor sees exactly its own scans, the lab sees all
    let list = |t: &str| {
        let r = h.get(t, "/api/scans");
        async move {
            let v: Value = r.send().await.unwrap().json().await.unwrap();
            let mut s: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["image_sha256"].as_str().unwrap().to_string())
                .collect();
            s.sort();
            s
        }
    };
    let mut want_a = vec![sha_a.clone(), sha_a2.clone()];
    want_a.sort();
    assert_eq!(list(&h.vendor_a).await, want_a);
    assert_eq!(list(&h.vendor_b).await, vec![sha_b.clone()]);
    assert_eq!(list(&h.lab).await.len(), 3);

    // the owner and the lab read the report; it is the stored JSON report
    for t in [&h.vendor_a, &h.lab] {
        let r = h
            .get(t, &format!("/api/scans/{ida}/report?format=json"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        let rep: Value = r.json().await.unwrap();
        assert_eq!(rep["schema"], "netvet.report/1");
        assert_eq!(rep["image"]["sha256"], sha_a.as_str());
        assert_eq!(rep["image"]["path"], "a-1.0.bin");
        assert_eq!(rep["verdict"]["result"], "pass");
    }
    // every format of the report contract answers: the document, or 501 while its renderer
    // is not in this build
    for (fmt, ctype) in [
        ("sarif", "application/sarif+json"),
        ("html", "text/html; charset=utf-8"),
        ("md", "text/markdown; charset=utf-8"),
        ("cyclonedx", "application/vnd.cyclonedx+json"),
        ("spdx", "application/spdx+json"),
    ] {
        let r = h
            .get(
                &h.vendor_a,
                &format!("/api/scans/{ida}/report?format={fmt}"),
            )
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => assert_eq!(r.headers()["content-type"], ctype, "{fmt}"),
            501 => {
                let e: Value = r.json().await.unwrap();
                assert!(
                    e["error"].as_str().unwrap().contains("not available"),
                    "{fmt}: {e}"
                );
            }
            other => panic!("{fmt}: status {other}"),
        }
    }
    let (code, body) =
        status(h.get(&h.vendor_a, &format!("/api/scans/{ida}/report?format=pdf"))).await;
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("unknown format 'pdf'"), "{body}");

    // vendor A never reaches vendor B's scan: the same 404 as for an id that does not exist
    let unknown = "0123456789abcdef0123456789abcdef";
    for path in [
        "/api/scans/{}",
        "/api/scans/{}/report",
        "/api/scans/{}/report?format=sarif",
        "/api/scans/{}/attestation",
        "/api/jobs/{}",
        "/ui/jobs/{}",
    ] {
        let theirs = status(h.get(&h.vendor_a, &path.replace("{}", idb))).await;
        let nothing = status(h.get(&h.vendor_a, &path.replace("{}", unknown))).await;
        assert_eq!(theirs.0, 404, "{path}: {}", theirs.1);
        assert_eq!(theirs, nothing, "{path} tells B's scan from no scan");
    }
    // ... nor B's image, by digest, in a diff or an equivalence check
    for kind in ["diff", "equiv"] {
        let theirs = status(h.post_json(
            &h.vendor_a,
            &format!("/api/{kind}"),
            json!({"a": sha_a, "b": sha_b}),
        ))
        .await;
        let nothing = status(h.post_json(
            &h.vendor_a,
            &format!("/api/{kind}"),
            json!({"a": sha_a, "b": "ab".repeat(32)}),
        ))
        .await;
        assert_eq!(theirs.0, 404, "{kind}: {}", theirs.1);
        assert_eq!(theirs, nothing, "{kind} tells B's image from no image");
    }
    // ... nor its verdict among the certifications, nor in the job list or the UI
    let certs: Value = h
        .get(&h.vendor_a, "/api/certifications")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut shas: Vec<&str> = certs
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image_sha256"].as_str().unwrap())
        .collect();
    shas.sort();
    let mut want: Vec<&str> = vec![&sha_a, &sha_a2];
    want.sort();
    assert_eq!(shas, want);
    let (_, jobs) = status(h.get(&h.vendor_a, "/api/jobs")).await;
    assert!(!jobs.contains(&sha_b) && !jobs.contains(idb), "{jobs}");
    let page = status(
        h.client
            .get(format!("{}/", h.base))
            .header("cookie", format!("netvet_token={}", h.vendor_a)),
    )
    .await;
    assert_eq!(page.0, 200);
    assert!(
        page.1.contains("a-1.0.bin") && !page.1.contains("b-7.3.bin"),
        "{}",
        page.1
    );
    let diff_page = status(
        h.client
            .get(format!("{}/ui/diff", h.base))
            .header("cookie", format!("netvet_token={}", h.vendor_a)),
    )
    .await;
    assert!(diff_page.1.contains(&sha_a) && !diff_page.1.contains(&sha_b));

    // uploading the same bytes as another vendor reveals nothing: a fresh queued scan of
    // one's own, and the blob is stored once
    let (code, again) = h.upload(&h.vendor_a, "copy.bin", IMG_B).await;
    assert_eq!(code, 202);
    assert_eq!(again["state"], "queued");
    assert_ne!(again["id"], b["id"]);
    h.wait(&h.vendor_a, again["id"].as_str().unwrap()).await;
    let blob = h.state.blobs.path(&sha_b).unwrap();
    assert_eq!(
        std::fs::read_dir(blob.parent().unwrap()).unwrap().count(),
        1
    );
    // and B still cannot see A's copy
    let (code, _) = status(h.get(
        &h.vendor_b,
        &format!("/api/jobs/{}", again["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(code, 404);

    // diff and equiv between two of one's own releases run as queued jobs
    let (code, body) =
        status(h.post_json(&h.vendor_a, "/api/diff", json!({"a": sha_a, "b": sha_a2}))).await;
    assert_eq!(code, 202, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(job["kind"], "diff");
    let done = h.wait(&h.vendor_a, job["id"].as_str().unwrap()).await;
    assert_eq!(done["result"]["old_size"], IMG_A.len());
    assert_eq!(done["result"]["new_size"], IMG_A2.len());
    let (code, body) =
        status(h.post_json(&h.vendor_a, "/api/equiv", json!({"a": sha_a, "b": sha_a}))).await;
    assert_eq!(code, 202, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let done = h.wait(&h.vendor_a, job["id"].as_str().unwrap()).await;
    assert_eq!(done["verdict"], "equivalent");
    // a diff job of A is as invisible to B as A's scans
    let (code, _) = status(h.get(
        &h.vendor_b,
        &format!("/api/jobs/{}", job["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(code, 404);

    // the attestation endpoint: visible scan, signing not wired yet
    let (code, body) = status(h.get(&h.vendor_a, &format!("/api/scans/{ida}/attestation"))).await;
    assert_eq!(code, 501, "{body}");
    assert!(body.contains("not available"), "{body}");

    // operators: no submissions, no scan lists or reports, but certifications and network
    // assessments of their own
    let (code, _) = h.upload(&h.operator, "x.bin", b"x").await;
    assert_eq!(code, 403);
    assert_eq!(status(h.get(&h.operator, "/api/scans")).await.0, 403);
    assert_eq!(
        status(h.get(&h.operator, &format!("/api/scans/{ida}/report")))
            .await
            .0,
        404
    );
    assert_eq!(
        status(h.get(&h.operator, &format!("/api/scans/{ida}")))
            .await
            .0,
        404
    );
    assert_eq!(
        status(h.post_json(&h.operator, "/api/diff", json!({"a": sha_a, "b": sha_a2})))
            .await
            .0,
        403
    );
    let certs: Value = h
        .get(&h.operator, "/api/certifications")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n_certs = certs.as_array().unwrap().len();
    assert_eq!(n_certs, 4, "{certs}");
    let inv = "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\nS1,E1,router,core,A,R1,1.0,x\n";
    let (code, body) = status(h.post_json(
        &h.operator,
        "/api/network",
        json!({"inventory": inv, "policy": "[vendors]\n"}),
    ))
    .await;
    assert_eq!(code, 202, "{body}");
    let net: Value = serde_json::from_str(&body).unwrap();
    let nid = net["id"].as_str().unwrap();
    let done = h.wait(&h.operator, nid).await;
    assert_eq!(done["kind"], "network");
    assert_eq!(done["verdict"], "compliant");
    assert_eq!(done["result"]["elements"], 1);
    assert_eq!(
        done["result"]["certified"].as_array().unwrap().len(),
        n_certs
    );
    // another operator and the vendors cannot see it; vendors cannot run one
    for t in [&h.operator2, &h.vendor_a, &h.vendor_b] {
        assert_eq!(status(h.get(t, &format!("/api/jobs/{nid}"))).await.0, 404);
    }
    assert_eq!(
        status(h.post_json(
            &h.vendor_a,
            "/api/network",
            json!({"inventory": inv, "policy": ""})
        ))
        .await
        .0,
        403
    );
    // the lab sees everything
    assert_eq!(
        status(h.get(&h.lab, &format!("/api/jobs/{nid}"))).await.0,
        200
    );
    assert_eq!(
        status(h.get(&h.lab, &format!("/api/scans/{idb}/report")))
            .await
            .0,
        200
    );

    // no token, a wrong token, a token of the wrong shape: 401 everywhere
    for path in [
        "/api/scans",
        &format!("/api/scans/{ida}/report"),
        "/api/jobs",
    ] {
        let r = h
            .client
            .get(format!("{}{path}", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = h
            .client
            .get(format!("{}{path}", h.base))
            .bearer_auth("nv_00")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let (code, _) = h.upload("nv_forged", "x.bin", b"x").await;
    assert_eq!(code, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_sqlite() {
    let h = start(None).await;
    tenants(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_postgres() {
    let Some(url) = postgres().await else { return };
    let h = start(Some(url)).await;
    tenants(&h).await;
}

/// The same scenario with images in an object store (`file://` through `object_store`, the
/// code path of S3) and the data directory as its cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_object_store() {
    let h = start_with(None, Some("file://{dir}")).await;
    tenants(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_hashed() {
    let h = start(None).await;
    let rows = sqlx::query("SELECT hash FROM tokens")
        .fetch_all(&h.state.db.pool)
        .await
        .unwrap();
    use sqlx::Row;
    let hashes: Vec<String> = rows.iter().map(|r| r.get::<String, _>("hash")).collect();
    assert_eq!(hashes.len(), 5);
    for t in [&h.lab, &h.vendor_a, &h.vendor_b, &h.operator, &h.operator2] {
        assert!(t.starts_with("nv_") && t.len() == 67, "{t}");
        assert!(!hashes.iter().any(|x| x.contains(&t[3..])));
        assert!(hashes.contains(&sha256_hex(t.as_bytes())));
    }
    // an organization keeps its role
    let e = netvet_server::auth::create_token(&h.state.db, "Vendor A", "lab")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("exists with role vendor"), "{e}");
    let e = netvet_server::auth::create_token(&h.state.db, "X", "admin")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown role 'admin'"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_limited_and_failures_reported() {
    let h = start(None).await;
    // announced too large
    let (code, body) = h
        .upload(&h.vendor_a, "big.bin", &vec![7u8; 64 * 1024 + 1])
        .await;
    assert_eq!(code, 413, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("limit of 65536 bytes"));
    // streamed without a length, too large: cut off while streaming
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![1u8; 4096])).collect();
    let r = h
        .client
        .post(format!("{}/api/images?name=stream.bin", h.base))
        .bearer_auth(&h.vendor_a)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    // the server may close the connection before the client finishes sending
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    let tmp = h.state.config.data.join("blobs/tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "partial upload left behind"
    );
    // streamed within the limit: accepted
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..4).map(|_| Ok(vec![2u8; 4096])).collect();
    let r = h
        .client
        .post(format!("{}/api/images?name=ok.bin", h.base))
        .bearer_auth(&h.vendor_a)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["image_sha256"], sha256_hex(&[2u8; 16384]));
    // empty: refused
    let (code, _) = h.upload(&h.vendor_a, "empty.bin", b"").await;
    assert_eq!(code, 400);
    // an image the engine rejects: the job fails with the engine's message
    let (code, job) = h.upload(&h.vendor_a, "junk.bin", b"BROKEN image").await;
    assert_eq!(code, 202);
    let done = h.wait(&h.vendor_a, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "failed");
    assert_eq!(done["error"], "junk.bin: not a firmware image");
    let (code, body) = status(h.get(
        &h.vendor_a,
        &format!("/api/scans/{}/report", job["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(code, 409, "{body}");
    // control characters are stripped from names
    let (code, job) = h.upload(&h.vendor_a, "a%0Ab%1B.bin", b"named").await;
    assert_eq!(code, 202);
    assert_eq!(job["image_name"], "ab.bin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_the_routes() {
    let h = start(None).await;
    let r = h
        .client
        .get(format!("{}/openapi.json", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["openapi"], "3.0.3");
    assert!(v["paths"]["/api/images"]["post"]["responses"]["413"].is_object());
    assert!(v["paths"]["/api/scans/{id}/attestation"]["get"]["responses"]["501"].is_object());
    // the UI asks for a token first
    let page = h
        .client
        .get(format!("{}/", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"token\""), "{page}");
}
