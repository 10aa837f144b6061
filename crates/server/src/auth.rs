//! Organizations, roles and API tokens. Tokens are random 256-bit values shown once; only
//! their SHA-256 is stored.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees everything, certifies.
    Lab,
    /// Submits images; sees only its own images and results.
    Vendor,
    /// Sees certifications; runs network assessments of its own inventories.
    Operator,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "lab" => Some(Role::Lab),
            "vendor" => Some(Role::Vendor),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Lab => "lab",
            Role::Vendor => "vendor",
            Role::Operator => "operator",
        }
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new token `nv_<64 hex>`.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    let _ = getrandom::fill(&mut b);
    format!("nv_{}", hex::encode(b))
}

/// Create (or reuse) an organization and print a new token for it.
pub async fn create_token(db: &crate::db::Db, org: &str, role: &str) -> anyhow::Result<String> {
    let role = Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!("unknown role '{role}' (expected lab, vendor or operator)")
    })?;
    if org.trim().is_empty() {
        anyhow::bail!("organization name is empty");
    }
    let o = db.create_org(org.trim(), role).await?;
    let t = new_token();
    db.add_token(&o, &hash_token(&t)).await?;
    Ok(t)
}
