//! The line-oriented shell reader: comments, words, variables and the wrappers looked
//! through (see the module documentation).

use super::*;

/// One simple command of a shell line: program and arguments, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub program: String,
    pub args: Vec<String>,
}

impl Command {
    pub fn name(&self) -> &str {
        path::file_name(&self.program)
    }

    /// A call of an init script (`/etc/init.d/dropbear enabled`), not of the daemon.
    pub fn is_init_script(&self) -> bool {
        self.program.contains("init.d/") || self.program.contains("rc.d/")
    }
}

/// Remove a trailing comment (a `#` at the start of a word, outside quotes).
pub fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    let (mut sq, mut dq) = (false, false);
    for i in 0..b.len() {
        match b[i] {
            b'\'' if !dq => sq = !sq,
            b'"' if !sq => dq = !dq,
            b'#' if !sq
                && !dq
                && (i == 0 || b[i - 1].is_ascii_whitespace() || b[i - 1] == b';') =>
            {
                return &line[..i]
            }
            _ => {}
        }
    }
    line
}

/// Split a line into words with quotes removed; separators `;`, `&&`, `||`, `|`, `&`
/// produce a `None` marker.
pub(super) fn words(line: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let (mut sq, mut dq) = (false, false);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if !dq => {
                sq = !sq;
                have = true;
            }
            '"' if !sq => {
                dq = !dq;
                have = true;
            }
            ';' | '&' | '|' | '(' | ')' | '`' if !sq && !dq => {
                if have {
                    out.push(Some(std::mem::take(&mut cur)));
                    have = false;
                }
                out.push(None);
            }
            c if c.is_whitespace() && !sq && !dq => {
                if have {
                    out.push(Some(std::mem::take(&mut cur)));
                    have = false;
                }
            }
            c => {
                cur.push(c);
                have = true;
            }
        }
        i += 1;
    }
    if have {
        out.push(Some(cur));
    }
    out
}

pub(super) fn expand(word: &str, vars: &HashMap<String, String>) -> String {
    if !word.contains('$') {
        return word.to_string();
    }
    let mut out = String::new();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && i + 1 < chars.len() {
            let (name, next) = if chars[i + 1] == '{' {
                let end = chars[i + 2..].iter().position(|&c| c == '}');
                match end {
                    Some(e) => {
                        let inner: String = chars[i + 2..i + 2 + e].iter().collect();
                        let name: String = inner
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        (name, i + 3 + e)
                    }
                    None => (String::new(), chars.len()),
                }
            } else {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                let l = name.chars().count();
                (name, i + 1 + l)
            };
            if let Some(v) = vars.get(&name) {
                out.push_str(v);
            }
            i = next.max(i + 1);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Variable assignments of a script (`NAME=value`, `local NAME=value`, `export NAME=value`);
/// the first value wins (defaults are set at the top).
pub fn script_vars(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines().take(20_000) {
        let line = strip_comment(line).trim();
        let line = line
            .strip_prefix("local ")
            .or_else(|| line.strip_prefix("export "))
            .or_else(|| line.strip_prefix("readonly "))
            .unwrap_or(line);
        let Some(eq) = line.find('=') else { continue };
        let name = &line[..eq];
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        }
        let value = line[eq + 1..].split_whitespace().next().unwrap_or("");
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.contains("$(") || value.contains('`') {
            continue;
        }
        vars.entry(name.to_string())
            .or_insert_with(|| value.to_string());
    }
    vars
}

/// Commands on one shell line, with wrappers looked through.
pub fn commands(line: &str, vars: &HashMap<String, String>) -> Vec<Command> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut flush = |cur: &mut Vec<String>| {
        if let Some(c) = unwrap_command(cur) {
            out.push(c);
        }
        cur.clear();
    };
    for w in words(strip_comment(line)) {
        match w {
            Some(w) => cur.push(expand(&w, vars)),
            None => flush(&mut cur),
        }
    }
    flush(&mut cur);
    out
}

pub(super) fn unwrap_command(words: &[String]) -> Option<Command> {
    let mut i = 0;
    // skip assignments and control keywords
    while i < words.len() {
        let w = words[i].as_str();
        let is_assign = w.find('=').is_some_and(|eq| {
            eq > 0
                && w[..eq]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if is_assign || matches!(w, "then" | "else" | "do" | "if" | "while" | "!" | "{" | "}") {
            i += 1;
        } else {
            break;
        }
    }
    let mut rest = words.get(i..)?;
    for _ in 0..4 {
        let first = rest.first()?;
        let name = path::file_name(first);
        match name {
            "exec" | "nohup" | "busybox" | "setsid" | "nice" | "chroot_if_needed"
            | "service_start" => {
                rest = &rest[1..];
            }
            "procd_set_param" => {
                if rest.get(1).map(String::as_str) == Some("command") {
                    rest = &rest[2..];
                } else {
                    return None;
                }
            }
            "start-stop-daemon" | "start_daemon" => {
                if rest.iter().any(|a| a == "-K" || a == "--stop") {
                    return None;
                }
                let exe = rest
                    .iter()
                    .position(|a| a == "-x" || a == "--exec" || a == "-a" || a == "--startas")
                    .and_then(|p| rest.get(p + 1))
                    .cloned();
                let args: Vec<String> = rest
                    .iter()
                    .position(|a| a == "--")
                    .map(|p| rest[p + 1..].to_vec())
                    .unwrap_or_default();
                return exe.map(|program| Command { program, args });
            }
            _ => break,
        }
    }
    let program = rest.first()?.clone();
    if program.is_empty() {
        return None;
    }
    Some(Command {
        program,
        args: rest[1..].to_vec(),
    })
}
