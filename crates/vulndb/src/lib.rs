//! Offline vulnerability database (NVD CVE API 2.0, OSV) and CPE matching.
