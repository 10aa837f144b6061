//! The OpenAPI 3.0 description served at `/openapi.json` (kept by hand next to the routes;
//! a test checks every route is described).

pub const SPEC: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "netvet lab service", "version": "1.0.0",
           "description": "Submit firmware images, follow scans, fetch reports, compare releases and assess networks. Every request carries an API token: `Authorization: Bearer nv_...`."},
  "components": {
    "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Job": {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"type": "string", "enum": ["scan", "equiv", "diff", "network"]},
        "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "error": {"type": "string", "nullable": true}, "verdict": {"type": "string", "nullable": true},
        "image_sha256": {"type": "string", "nullable": true}, "image_name": {"type": "string", "nullable": true},
        "attempts": {"type": "integer"}, "created": {"type": "integer"}, "finished": {"type": "integer", "nullable": true}}},
      "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
      "Envelope": {"type": "object", "required": ["payloadType", "payload", "signatures"], "properties": {
        "payloadType": {"type": "string", "enum": ["application/vnd.in-toto+json"]}, "payload": {"type": "string", "format": "byte"},
        "signatures": {"type": "array", "items": {"type": "object", "properties": {"keyid": {"type": "string"}, "sig": {"type": "string", "format": "byte"}}}}}},
      "Pair": {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string", "description": "image SHA-256 (old release for diff)"}, "b": {"type": "string", "description": "image SHA-256 (new release for diff)"}}},
      "NetworkRequest": {"type": "object", "required": ["inventory", "policy"], "properties": {"inventory": {"type": "string", "description": "CSV inventory"}, "policy": {"type": "string", "description": "TOML policy"}}}
    }
  },
  "security": [{"token": []}],
  "paths": {
    "/api/images": {"post": {"summary": "Submit an image (streamed request body) and queue its scan",
      "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}],
      "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
      "responses": {"202": {"description": "queued scan job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                    "401": {"description": "no or bad token"}, "403": {"description": "role may not submit"}, "413": {"description": "too large"}}}},
    "/api/scans": {"get": {"summary": "Scans visible to the caller", "responses": {"200": {"description": "scans", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}}},
    "/api/scans/{id}": {"get": {"summary": "One scan (state and verdict)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the scan", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "404": {"description": "no such scan visible to the caller"}}}},
    "/api/scans/{id}/attestation": {"get": {"summary": "Signed attestation of a finished scan: a DSSE envelope whose payload is an in-toto Statement v1 (subject = image name and SHA-256, predicate = verdict, per-requirement results, policy and catalogue digests), signed with the lab key (Ed25519). Lab: every scan; vendor: its own; operator: finished scans with a verdict.",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the DSSE envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}, "404": {"description": "no such scan visible to the caller"}, "409": {"description": "scan not finished"}}}},
    "/api/lab-key.pub": {"get": {"summary": "The lab's public key (PEM SPKI) that verifies every attestation; its key id is in the X-Netvet-Keyid header", "security": [],
      "responses": {"200": {"description": "PEM public key", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}}},
    "/api/scans/{id}/report": {"get": {"summary": "Report of a finished scan",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                     {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "sarif", "html", "md", "cyclonedx", "spdx"]}}],
      "responses": {"200": {"description": "the report"}, "404": {"description": "no such scan visible to the caller"}, "409": {"description": "scan not finished"}}}},
    "/api/jobs": {"get": {"summary": "Jobs visible to the caller", "responses": {"200": {"description": "jobs", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}}},
    "/api/jobs/{id}": {"get": {"summary": "A job's state (and result for diff, equiv and network jobs)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the job"}, "404": {"description": "no such job visible to the caller"}}}},
    "/api/certifications": {"get": {"summary": "Certifications: finished scans with a verdict (image digest, name, verdict, scan id, attestation path); a vendor sees its own", "responses": {"200": {"description": "certifications"}}}},
    "/api/equiv": {"post": {"summary": "Queue a binary-equivalence check of two stored images",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pair"}}}},
      "responses": {"202": {"description": "queued job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "404": {"description": "image not visible"}}}},
    "/api/diff": {"post": {"summary": "Queue a release diff of two stored images",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pair"}}}},
      "responses": {"202": {"description": "queued job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "404": {"description": "image not visible"}}}},
    "/api/network": {"post": {"summary": "Queue a network assessment against the stored attestations (verified with the lab key)",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NetworkRequest"}}}},
      "responses": {"202": {"description": "queued job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "403": {"description": "vendors may not"}}}},
    "/openapi.json": {"get": {"summary": "This description", "security": [], "responses": {"200": {"description": "OpenAPI 3.0 JSON"}}}}
  }
}"##;

#[cfg(test)]
mod tests {
    #[test]
    fn spec_is_json_and_lists_every_api_route() {
        let v: serde_json::Value = serde_json::from_str(super::SPEC).unwrap();
        assert_eq!(v["openapi"], "3.0.3");
        let paths = v["paths"].as_object().unwrap();
        for p in [
            "/api/images",
            "/api/scans",
            "/api/scans/{id}",
            "/api/scans/{id}/report",
            "/api/scans/{id}/attestation",
            "/api/jobs",
            "/api/jobs/{id}",
            "/api/certifications",
            "/api/lab-key.pub",
            "/api/equiv",
            "/api/diff",
            "/api/network",
            "/openapi.json",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert_eq!(paths.len(), 13);
    }
}
