//! Finding kinds of the report contract. Stable names: never rename one.

pub const CREDENTIAL_DEFAULT_PASSWORD: &str = "credential.default-password";
pub const CREDENTIAL_EMPTY_PASSWORD: &str = "credential.empty-password";
pub const CREDENTIAL_WEAK_HASH: &str = "credential.weak-hash";
pub const CREDENTIAL_UID0_ACCOUNT: &str = "credential.uid0-account";
pub const CREDENTIAL_HARDCODED_SECRET: &str = "credential.hardcoded-secret";
pub const KEY_PRIVATE: &str = "key.private";
pub const KEY_WEAK: &str = "key.weak";
pub const KEY_CERTIFICATE_EXPIRED: &str = "key.certificate-expired";
pub const KEY_CERTIFICATE_WEAK: &str = "key.certificate-weak";
pub const BACKDOOR_KNOWN_SIGNATURE: &str = "backdoor.known-signature";
pub const BACKDOOR_SUSPICIOUS: &str = "backdoor.suspicious";
pub const SERVICE_INSECURE: &str = "service.insecure";
pub const SERVICE_UNAUTHENTICATED_SHELL: &str = "service.unauthenticated-shell";
pub const SERVICE_DEBUG_INTERFACE: &str = "service.debug-interface";
pub const CONFIG_SSH_ROOT_LOGIN: &str = "config.ssh-root-login";
pub const CONFIG_SSH_EMPTY_PASSWORDS: &str = "config.ssh-empty-passwords";
pub const PERMISSION_SETUID: &str = "permission.setuid";
pub const PERMISSION_WORLD_WRITABLE: &str = "permission.world-writable";
pub const HARDENING_WEAK: &str = "hardening.weak";
pub const CODE_UNSAFE_FUNCTION: &str = "code.unsafe-function";
pub const COMPONENT_END_OF_LIFE: &str = "component.end-of-life";
pub const COMPONENT_DUPLICATE: &str = "component.duplicate";
pub const VULN_CVE: &str = "vuln.cve";
pub const UNPACK_ERROR: &str = "unpack.error";
pub const UNPACK_LIMIT: &str = "unpack.limit";
pub const KEY_CERTIFICATE_NOT_YET_VALID: &str = "key.certificate-not-yet-valid";
pub const KEY_CERTIFICATE_UNTRUSTED_CA: &str = "key.certificate-untrusted-ca";
pub const UPDATE_UNSIGNED: &str = "update.unsigned";
pub const BOOT_INSECURE: &str = "boot.insecure";
pub const CONFIG_TLS_WEAK: &str = "config.tls-weak";
pub const CREDENTIAL_SHARED_ACROSS_IMAGES: &str = "credential.shared-across-images";
pub const BACKDOOR_BIND_SHELL: &str = "backdoor.bind-shell";
pub const BACKDOOR_CONNECT_BACK: &str = "backdoor.connect-back";
pub const BOOT_SUSPICIOUS: &str = "boot.suspicious";
pub const INDICATOR_NETWORK: &str = "indicator.network";
pub const BINARY_PACKED: &str = "binary.packed";
pub const WEB_SUSPICIOUS: &str = "web.suspicious";
pub const IMAGE_INTEGRITY_MISMATCH: &str = "image.integrity-mismatch";
pub const UNPACK_UNSUPPORTED: &str = "unpack.unsupported";

/// Every kind with a one-line description (used for SARIF rules and documentation).
pub const ALL: &[(&str, &str)] = &[
    (CREDENTIAL_DEFAULT_PASSWORD, "An account's password hash cracks to a known default or common password"),
    (CREDENTIAL_EMPTY_PASSWORD, "An account that can log in has no password"),
    (CREDENTIAL_WEAK_HASH, "A password stored with a broken scheme (DES crypt, unsalted MD5, plain text)"),
    (CREDENTIAL_UID0_ACCOUNT, "An account other than root has uid 0"),
    (CREDENTIAL_HARDCODED_SECRET, "A password, token or cloud key written into a config file, script or binary"),
    (KEY_PRIVATE, "A private key shipped in the image"),
    (KEY_WEAK, "A key too short or of a broken algorithm"),
    (KEY_CERTIFICATE_EXPIRED, "A certificate past its notAfter"),
    (KEY_CERTIFICATE_WEAK, "A certificate with a weak key or signature"),
    (BACKDOOR_KNOWN_SIGNATURE, "A publicly documented backdoor's artifact"),
    (BACKDOOR_SUSPICIOUS, "Heuristics: hidden listener executing commands, magic-string authentication bypass"),
    (SERVICE_INSECURE, "An insecure service (telnet, FTP, TFTP, rsh, SNMP v1/v2c default community) started at boot"),
    (SERVICE_UNAUTHENTICATED_SHELL, "A shell handed out without authentication"),
    (SERVICE_DEBUG_INTERFACE, "Debug or manufacturing services left enabled"),
    (CONFIG_SSH_ROOT_LOGIN, "SSH daemon permits root login with a password"),
    (CONFIG_SSH_EMPTY_PASSWORDS, "SSH daemon permits empty passwords"),
    (PERMISSION_SETUID, "setuid/setgid root executable"),
    (PERMISSION_WORLD_WRITABLE, "World-writable file executed at boot or in a system path"),
    (HARDENING_WEAK, "An ELF binary missing NX, PIE, RELRO, stack canary or FORTIFY"),
    (CODE_UNSAFE_FUNCTION, "An ELF binary importing unsafe functions (strcpy, sprintf, gets, system, ...)"),
    (COMPONENT_END_OF_LIFE, "A component version its maintainers no longer support"),
    (COMPONENT_DUPLICATE, "Several copies or versions of one component in one image"),
    (VULN_CVE, "A component version affected by a CVE"),
    (UNPACK_ERROR, "A part of the image that could not be unpacked"),
    (UNPACK_LIMIT, "A safety limit was reached; what was skipped"),
    (KEY_CERTIFICATE_NOT_YET_VALID, "A certificate before its notBefore"),
    (KEY_CERTIFICATE_UNTRUSTED_CA, "A self-signed CA certificate shipped as a trust anchor outside the system trust store"),
    (UPDATE_UNSIGNED, "A firmware update path that writes flash without a signature or integrity check"),
    (BOOT_INSECURE, "No verified boot: unsigned FIT/uImage kernel, U-Boot without signature checking, no dm-verity"),
    (CONFIG_TLS_WEAK, "A shipped server config enables weak TLS/SSH protocols or ciphers (SSLv3, TLS 1.0/1.1, RC4, 3DES, NULL, MD5 MACs, ...)"),
    (CREDENTIAL_SHARED_ACROSS_IMAGES, "The same password hash or private key in several images scanned together"),
    (BACKDOOR_BIND_SHELL, "A program that listens on the network and hands out a shell without authentication"),
    (BACKDOOR_CONNECT_BACK, "A program that connects out and hands the connection a shell (connect-back client)"),
    (BOOT_SUSPICIOUS, "A boot or scheduled path that downloads and runs code, opens the firewall, writes accounts or keys, or starts an unowned or listener binary"),
    (INDICATOR_NETWORK, "Hard-coded public IP addresses, host names or URLs in a network-capable program"),
    (BINARY_PACKED, "A packed (UPX) or high-entropy executable whose behaviour cannot be read statically"),
    (WEB_SUSPICIOUS, "A web UI page that checks passwords in the browser, carries literal credentials, loads scripts from elsewhere, or is a hidden debug/command page"),
    (IMAGE_INTEGRITY_MISMATCH, "A container's checksum, CRC, digest or signature field does not match its content (repacked or damaged after the vendor built it)"),
    (UNPACK_UNSUPPORTED, "A part of the image that could not be opened: unknown format or a scheme without its key (header and entropy given)"),
];
