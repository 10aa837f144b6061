//! Web UI checks (`web.suspicious`) over the pages a device's web server serves:
//! - passwords compared in the browser (`if (pwd.value == "s3cret")`): whoever reads the page
//!   has the password, and the check can be skipped;
//! - literal credentials in a page (`<input type="password" value="admin">`);
//! - scripts loaded from another host (`<script src="http://198.51.100.9/x.js">`): an injected
//!   script in a login page sees every password typed into it;
//! - hidden debug or command pages (`debug.cgi`, `cmd.asp`, a form posting a `cmd` field).
//!
//! Pages are the text files under the usual document roots (`www`, `web`, `htdocs`,
//! `var/www`, `usr/www`, `usr/share/www`, `home/httpd`, `srv/www`), with an HTML, script or
//! CGI extension, and the files of a VxWorks MemFS (the web pages linked into a VxWorks
//! router image, served from its root) with such an extension.

use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::{path, Entry, Tree};
use regex::Regex;

const DOC_ROOTS: &[&str] = &[
    "www/",
    "web/",
    "htdocs/",
    "var/www/",
    "usr/www/",
    "usr/share/www/",
    "home/httpd/",
    "srv/www/",
    "webroot/",
    "usr/web/",
];
const PAGE_EXT: &[&str] = &[
    "htm", "html", "shtml", "asp", "php", "js", "cgi", "lua", "lp", "stm", "sh", "htx", "jsp",
];
const MAX_PAGE: usize = 2 << 20;
/// Content hosts stock pages commonly load libraries from.
const CDN_HOSTS: &[&str] = &[
    "ajax.googleapis.com",
    "code.jquery.com",
    "cdnjs.cloudflare.com",
    "cdn.jsdelivr.net",
    "maxcdn.bootstrapcdn.com",
    "stackpath.bootstrapcdn.com",
    "unpkg.com",
    "www.google-analytics.com",
    "www.googletagmanager.com",
];

/// Compiled patterns, built once per analyzer.
pub struct WebChecks {
    compare: Regex,
    literal: Regex,
    script: Regex,
    cmd_form: Regex,
    hidden_name: Regex,
}

impl Default for WebChecks {
    fn default() -> Self {
        Self::new()
    }
}

impl WebChecks {
    pub fn new() -> WebChecks {
        let re = crate::literal_regex;
        WebChecks {
            compare: re(
                r#"(?i)(?-u:\b)[\w.\[\]'"]*(?:pass(?:word|wd)?|pwd|passwd)\w*(?:\.value)?\s*(?:===?|!==?)\s*["']([^"'\s]{1,64})["']"#,
            ),
            literal: re(
                r#"(?i)<input[^>]*type\s*=\s*["']?password["']?[^>]*(?-u:\b)value\s*=\s*["']([^"'\s]{1,64})["']"#,
            ),
            script: re(
                r#"(?i)<script[^>]*(?-u:\b)src\s*=\s*["']?((?:https?:)?//([^/"'\s>:]+)[^"'\s>]*)"#,
            ),
            cmd_form: re(
                r#"(?i)<(?:input|textarea)[^>]*(?-u:\b)name\s*=\s*["']?(cmd|command|shell|exec|syscmd|sys_cmd)["'\s>]"#,
            ),
            hidden_name: re(
                r"(?i)(?:^|[/_-])(debug|backdoor|cmd|command|shell|exec|syscmd|telnet_?enable|mfg|factory_?mode)[\w-]*\.(?:asp|cgi|htm|html|php|lua|sh|stm)$",
            ),
        }
    }

    pub fn is_page(inner: &str) -> bool {
        let in_root = DOC_ROOTS
            .iter()
            .any(|r| inner.starts_with(r) || inner.contains(&format!("/{r}")));
        let ext = inner.rsplit('.').next().unwrap_or("");
        in_root && PAGE_EXT.contains(&ext.to_ascii_lowercase().as_str())
    }

    /// [`WebChecks::is_page`] for an entry: also the pages at the root of a VxWorks MemFS.
    pub fn is_page_entry(e: &Entry) -> bool {
        let inner = e.inner_path();
        if Self::is_page(inner) {
            return true;
        }
        let ext = inner.rsplit('.').next().unwrap_or("");
        e.root().ends_with(".vxworks-memfs")
            && !inner.contains('/')
            && PAGE_EXT.contains(&ext.to_ascii_lowercase().as_str())
    }

    /// Findings for one page.
    pub fn check(&self, e: &Entry) -> Vec<Finding> {
        let mut out = Vec::new();
        let inner = e.inner_path();
        if !Self::is_page_entry(e) || e.data.len() > MAX_PAGE {
            return out;
        }
        let name = path::file_name(inner);
        if let Some(m) = self.hidden_name.captures(inner) {
            out.push(
                Finding::new(
                    kinds::WEB_SUSPICIOUS,
                    Severity::Low,
                    format!("Debug or command page {name} in the web UI"),
                    Some(e.path.clone()),
                    format!("page name matches a debug/command page ('{}')", &m[1]),
                )
                .with_key("hidden-page"),
            );
        }
        if !netvet_unpack::classify::is_text(&e.data) {
            return out;
        }
        let text = String::from_utf8_lossy(&e.data);
        // each pattern runs only on pages holding the words it needs (most pages hold none)
        let lower = text.to_ascii_lowercase();
        let has = |w: &str| memchr::memmem::find(lower.as_bytes(), w.as_bytes()).is_some();
        let login_page = has("type=\"password\"") || has("type='password'") || has("type=password");
        let line_of = |off: usize| text[..off].matches('\n').count() + 1;
        let compare = (has("pass") || has("pwd"))
            .then(|| self.compare.captures(&text))
            .flatten();
        if let Some(m) = compare {
            let whole = m.get(0).map_or(0, |x| x.start());
            out.push(
                Finding::new(
                    kinds::WEB_SUSPICIOUS,
                    Severity::Medium,
                    format!("{name} compares a password in the browser"),
                    Some(e.path.clone()),
                    format!(
                        "line {}: {} (the password '{}' is in the page and the check runs on the client)",
                        line_of(whole),
                        m[0].trim(),
                        &m[1]
                    ),
                )
                .with_key("client-password"),
            );
        }
        let literal = (has("password") && has("<input"))
            .then(|| self.literal.captures(&text))
            .flatten();
        if let Some(m) = literal {
            let whole = m.get(0).map_or(0, |x| x.start());
            out.push(
                Finding::new(
                    kinds::WEB_SUSPICIOUS,
                    Severity::Medium,
                    format!("{name} carries a literal password"),
                    Some(e.path.clone()),
                    format!(
                        "line {}: password field pre-filled with '{}'",
                        line_of(whole),
                        &m[1]
                    ),
                )
                .with_key("literal-password"),
            );
        }
        let scripts = has("<script").then(|| self.script.captures_iter(&text).take(20));
        for m in scripts.into_iter().flatten() {
            let host = m[2].to_ascii_lowercase();
            if CDN_HOSTS.contains(&host.as_str()) || host == "localhost" || host.starts_with("127.")
            {
                continue;
            }
            let ip_literal = host.chars().all(|c| c.is_ascii_digit() || c == '.');
            let severity = if login_page && ip_literal {
                Severity::High
            } else {
                Severity::Medium
            };
            let whole = m.get(0).map_or(0, |x| x.start());
            out.push(
                Finding::new(
                    kinds::WEB_SUSPICIOUS,
                    severity,
                    format!("{name} loads a script from another host ({host})"),
                    Some(e.path.clone()),
                    format!(
                        "line {}: script source {}{}",
                        line_of(whole),
                        &m[1],
                        if login_page {
                            "; the page has a password field, so the script sees the password"
                        } else {
                            ""
                        }
                    ),
                )
                .with_key(&format!("foreign-script:{host}")),
            );
        }
        let cmd_form = (has("<input") || has("<textarea"))
            .then(|| self.cmd_form.captures(&text))
            .flatten();
        if let Some(m) = cmd_form {
            let whole = m.get(0).map_or(0, |x| x.start());
            out.push(
                Finding::new(
                    kinds::WEB_SUSPICIOUS,
                    Severity::Low,
                    format!("{name} has a form field that takes a command"),
                    Some(e.path.clone()),
                    format!("line {}: field named '{}'", line_of(whole), &m[1]),
                )
                .with_key("command-form"),
            );
        }
        out
    }
}

/// Web findings for every page of the tree.
pub fn check_tree(tree: &Tree, checks: &WebChecks) -> Vec<Finding> {
    tree.files()
        .filter(|e| WebChecks::is_page_entry(e))
        .flat_map(|e| checks.check(e))
        .collect()
}
