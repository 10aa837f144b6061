//! Unit tests of the shell reader, the boot chain and the service checks.

use super::*;

#[test]
fn commands_look_through_wrappers() {
    let mut vars = HashMap::new();
    vars.insert("PROG".to_string(), "/usr/sbin/telnetd".to_string());
    let c = commands(
        "\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh",
        &vars,
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].program, "/usr/sbin/telnetd");
    assert_eq!(c[0].args, vec!["-F", "-l", "/bin/login.sh"]);
    let c = commands(
        "[ -x /usr/sbin/telnetd ] && exec /usr/sbin/telnetd -l /bin/sh & # x",
        &vars,
    );
    assert_eq!(c[1].program, "/usr/sbin/telnetd");
    assert_eq!(c[1].args, vec!["-l", "/bin/sh"]);
    let c = commands(
        "start-stop-daemon -S -x /usr/sbin/utelnetd -- -l /bin/sh",
        &vars,
    );
    assert_eq!(c[0].name(), "utelnetd");
    assert_eq!(c[0].args, vec!["-l", "/bin/sh"]);
    assert!(commands("start-stop-daemon -K -x telnetd", &vars).is_empty());
    assert!(commands("# telnetd -l /bin/sh", &vars).is_empty());
}

#[test]
fn placeholder_links() {
    let mk = |p: &str, d: &str| Entry {
        path: p.into(),
        kind: EntryKind::File,
        meta: Default::default(),
        size: d.len() as u64,
        data: bytes::Bytes::from(d.as_bytes().to_vec()),
        link_target: None,
        layer: None,
        root_len: 0,
    };
    assert_eq!(
        placeholder_target(&mk("usr/sbin/telnetd", "../../bin/busybox")).as_deref(),
        Some("../../bin/busybox")
    );
    assert_eq!(placeholder_target(&mk("etc/x", "a = b\n")), None);
    assert_eq!(placeholder_target(&mk("etc/x", "#!/bin/sh\n")), None);
}
