//! The HTTP API end to end over loopback: submissions, reports, jobs, and every tenant denial.
//! Each scenario runs on SQLite and, when NETVET_TEST_POSTGRES is set, on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::*;
use netvet_model::VerdictResult;
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
        status(h.get(&h.vendor_a, &format!("/api/scans/{ida}/report?format=docx"))).await;
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("unknown format 'docx'"), "{body}");
    // PDF needs a browser; the service does not render it (the command line does)
    let (code, body) =
        status(h.get(&h.vendor_a, &format!("/api/scans/{ida}/report?format=pdf"))).await;
    assert_eq!(code, 501, "{body}");
    assert!(body.contains("pdf"), "{body}");

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
    assert_eq!(done["result"]["schema"], "netvet.diff/1");
    assert_eq!(done["result"]["old"]["sha256"], sha_a.as_str());
    assert_eq!(done["result"]["new"]["sha256"], sha_a2.as_str());
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

    // attestations: signed with the lab key served at /api/lab-key.pub (no token needed),
    // bound to the image bytes, with the verdict of the stored report
    let r = h
        .client
        .get(format!("{}/api/lab-key.pub", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["x-netvet-keyid"].to_str().unwrap(),
        h.state.lab_key.keyid
    );
    let pem = r.text().await.unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    let vk = netvet_certify::attest::verifying_key_from_pem(&pem, "lab-key.pub").unwrap();
    let ida2 = a2["id"].as_str().unwrap();
    for (t, id, img, name, verdict) in [
        (&h.vendor_a, ida, IMG_A, "a-1.0.bin", VerdictResult::Pass),
        (&h.vendor_a, ida2, IMG_A2, "a-1.1.bin", VerdictResult::Fail),
        (&h.lab, idb, IMG_B, "b-7.3.bin", VerdictResult::Pass),
        (&h.operator, ida2, IMG_A2, "a-1.1.bin", VerdictResult::Fail),
    ] {
        let r = h
            .get(t, &format!("/api/scans/{id}/attestation"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(
            r.headers()["content-disposition"],
            format!("attachment; filename=\"{name}.intoto.json\"").as_str()
        );
        let env = r.bytes().await.unwrap();
        let v = netvet_certify::attest::verify(&env, &vk, &sha256_hex(img))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v.verdict, verdict, "{name}");
        assert_eq!(v.subject_name, name);
        assert_eq!(v.keyid, h.state.lab_key.keyid);
        assert_eq!(v.statement["predicate"]["policy"]["name"], "netvet-default");
        let report: Value = h
            .get(&h.lab, &format!("/api/scans/{id}/report"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["verdict"]["result"], v.verdict.as_str(), "{name}");
        assert_eq!(
            v.statement["predicate"]["findings"]["total"],
            report["findings"].as_array().unwrap().len()
        );
        // bound to these bytes: another image does not verify
        let e = netvet_certify::attest::verify(&env, &vk, &sha256_hex(b"other")).unwrap_err();
        assert!(e.to_string().starts_with("image digest mismatch"), "{e}");
        // made by the worker when the scan finished, and served as stored
        let stored = h.state.db.job(id).await.unwrap().unwrap().attestation;
        assert_eq!(stored.as_deref().map(str::as_bytes), Some(&env[..]));
    }
    // the web UI: the scan page links the attestation and the lab key for download; an
    // operator's start page lists the certifications with their attestations
    let ui = |t: &str, path: String| {
        h.client
            .get(format!("{}{path}", h.base))
            .header("cookie", format!("netvet_token={t}"))
    };
    let (code, page) = status(ui(&h.vendor_a, format!("/ui/jobs/{ida}"))).await;
    assert_eq!(code, 200);
    assert!(
        page.contains(&format!(
            "<a id=\"attestation\" href=\"/api/scans/{ida}/attestation\" download>"
        )) && page.contains("href=\"/api/lab-key.pub\" download"),
        "{page}"
    );
    let (_, page) = status(ui(&h.operator, "/".into())).await;
    assert!(page.contains("id=\"certifications\""), "{page}");
    assert!(
        page.contains(&format!("href=\"/api/scans/{ida2}/attestation\" download")),
        "{page}"
    );
    // another vendor: exactly the 404 of an unknown scan
    let theirs = status(h.get(&h.vendor_b, &format!("/api/scans/{ida}/attestation"))).await;
    let nothing = status(h.get(
        &h.vendor_b,
        "/api/scans/0123456789abcdef0123456789abcdef/attestation",
    ))
    .await;
    assert_eq!(theirs.0, 404);
    assert_eq!(theirs, nothing);

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
    // each lists where its attestation is, and the operator may fetch it
    for c in certs.as_array().unwrap() {
        let url = c["attestation"].as_str().unwrap();
        assert_eq!(
            url,
            format!("/api/scans/{}/attestation", c["scan"].as_str().unwrap())
        );
        assert_eq!(status(h.get(&h.operator, url)).await.0, 200, "{c}");
    }
    let inv = format!(
        "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\nS1,E1,router,core,A,R1,1.0,{sha_a}\n"
    );
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
    assert_eq!(done["verdict"], "compliant", "{done}");
    // the assessment itself, typed by the worker and stored as JSON
    assert_eq!(done["result"]["schema"], "netvet.network/1");
    assert_eq!(done["result"]["inventory"]["elements"], 1);
    // it read every stored attestation as a certification record, verified with the lab key
    // against the stored image
    let certified = netvet_server::attest::certifications(&h.state)
        .await
        .unwrap();
    assert_eq!(certified.len(), n_certs);
    for c in &certified {
        assert!(c.signature_ok, "{c:?}");
        assert_eq!(c.problem, None, "{c:?}");
        assert!(c.file.starts_with("lab scan "), "{c:?}");
    }
    let mut got: Vec<(String, VerdictResult)> = certified
        .iter()
        .map(|c| (c.sha256.clone(), c.verdict.unwrap()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_str().cmp(b.1.as_str())));
    let mut want = vec![
        (sha_a.clone(), VerdictResult::Pass),
        (sha_a2.clone(), VerdictResult::Fail),
        (sha_b.clone(), VerdictResult::Pass),
        (sha_b.clone(), VerdictResult::Pass),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_str().cmp(b.1.as_str())));
    assert_eq!(got, want);
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
    assert!(v["paths"]["/api/scans/{id}/attestation"]["get"]["responses"]["200"].is_object());
    assert!(v["paths"]["/api/lab-key.pub"]["get"].is_object());
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

/// A scan stored without an attestation (finished before signing was wired) is attested on
/// demand and the envelope stored; a tampered stored envelope is reported, not counted, by
/// the network assessment; one lab key per database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestations_on_demand_and_one_lab_key() {
    let h = start(None).await;
    let done = scan(&h, &h.vendor_a, "old.bin", IMG_A).await;
    let id = done["id"].as_str().unwrap();
    sqlx::query("UPDATE jobs SET attestation = NULL WHERE id = $1")
        .bind(id)
        .execute(&h.state.db.pool)
        .await
        .unwrap();
    let r = h
        .get(&h.vendor_a, &format!("/api/scans/{id}/attestation"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let env = r.text().await.unwrap();
    let v = netvet_certify::attest::verify(
        env.as_bytes(),
        &h.state.lab_key.verifying_key(),
        &sha256_hex(IMG_A),
    )
    .unwrap();
    assert_eq!(v.verdict, VerdictResult::Pass);
    assert_eq!(
        h.state.db.job(id).await.unwrap().unwrap().attestation,
        Some(env.clone())
    );
    // a stored envelope whose payload was changed: the assessment sees a bad signature
    let mut e: Value = serde_json::from_str(&env).unwrap();
    e["payload"] = json!(netvet_certify_payload_with_verdict(&e, "pass", "fail"));
    sqlx::query("UPDATE jobs SET attestation = $1 WHERE id = $2")
        .bind(e.to_string())
        .bind(id)
        .execute(&h.state.db.pool)
        .await
        .unwrap();
    let certs = netvet_server::attest::certifications(&h.state)
        .await
        .unwrap();
    assert_eq!(certs.len(), 1);
    assert!(!certs[0].signature_ok);
    assert!(
        certs[0]
            .problem
            .as_deref()
            .unwrap()
            .starts_with("signature does not verify"),
        "{:?}",
        certs[0]
    );
    // a second process of the lab with another key refuses to start
    let dir = tempfile::tempdir().unwrap();
    let (other, _) = netvet_certify::attest::write_keypair(&dir.path().join("other")).unwrap();
    let mut config = h.state.config.clone();
    config.lab_key = Some(other);
    let e = netvet_server::AppState::open(config, std::sync::Arc::new(FakeEngine))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("lab key mismatch"), "{e}");
    assert!(e.contains(&h.state.lab_key.keyid), "{e}");
    // ... and so does one with no key of its own once the lab has one
    let mut config = h.state.config.clone();
    config.database = Some(h.state.config.database_url());
    config.data = dir.path().join("elsewhere");
    let e = netvet_server::AppState::open(config, std::sync::Arc::new(FakeEngine))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("this process has no key"), "{e}");
    // the same key, given explicitly, is accepted
    let mut config = h.state.config.clone();
    config.lab_key = Some(h.state.config.data.join("lab.key"));
    let st = netvet_server::AppState::open(config, std::sync::Arc::new(FakeEngine))
        .await
        .unwrap();
    assert_eq!(st.lab_key.keyid, h.state.lab_key.keyid);
}

/// The envelope's payload (base64) with one verdict replaced, signature left as it was.
fn netvet_certify_payload_with_verdict(env: &Value, from: &str, to: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let p = String::from_utf8(b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    let forged = p.replace(
        &format!("\"verdict\":\"{from}\""),
        &format!("\"verdict\":\"{to}\""),
    );
    assert_ne!(p, forged);
    b64.encode(forged)
}
