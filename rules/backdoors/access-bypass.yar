// Authentication bypasses through a hard-coded magic value.

rule dlink_xmlset_user_agent_bypass
{
    meta:
        description = "Web server skips authentication when the User-Agent is xmlset_roodkcableoj28840ybtide (D-Link DIR-100, DI-524, DI-604 and related Alphanetworks firmware)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2013-6026"
        reference2 = "http://www.devttys0.com/2013/10/reverse-engineering-a-d-link-backdoor/"
        cve = "CVE-2013-6026"
        severity = "critical"
    strings:
        $ua = "xmlset_roodkcableoj28840ybtide"
    condition:
        $ua
}

rule juniper_screenos_master_password
{
    meta:
        description = "ScreenOS SSH/telnet authentication accepts the hard-coded password <<< %s(un='%s') = %u for any user (unauthorized code, ScreenOS 6.2.0r15-6.3.0r20)"
        reference = "https://kb.juniper.net/JSA10713"
        reference2 = "https://www.rapid7.com/blog/post/2015/12/20/cve-2015-7755-juniper-screenos-authentication-backdoor/"
        cve = "CVE-2015-7755"
        severity = "critical"
    strings:
        $pw = "<<< %s(un='%s') = %u"
    condition:
        $pw
}

rule hikvision_auth_magic_admin_11
{
    meta:
        description = "Hikvision IP camera web service accepts the magic auth parameter YWRtaW46MTEK (base64 of admin:11) without a password"
        reference = "https://www.cisa.gov/news-events/ics-advisories/icsa-17-124-01"
        reference2 = "https://seclists.org/fulldisclosure/2017/Sep/23"
        cve = "CVE-2017-7921"
        severity = "critical"
    strings:
        $magic = "YWRtaW46MTEK"
    condition:
        $magic
}

rule zte_web_shell_cmd_page
{
    meta:
        description = "Hidden maintenance page web_shell_cmd.gch runs shell commands from the web interface (ZTE F460/F660 home gateways)"
        reference = "https://www.kb.cert.org/vuls/id/600724"
        cve = "CVE-2014-2321"
        severity = "critical"
    strings:
        $page = "web_shell_cmd.gch"
    condition:
        $page
}

rule tplink_start_art_debug_backdoor
{
    meta:
        description = "Unauthenticated debug URL /userRpmNatDebugRpm26525557/start_art.html makes the router fetch and run a file over TFTP (TP-Link TL-WR740N, TL-WDR4300 and others)"
        reference = "https://sekurak.pl/tp-link-httptftp-backdoor/"
        advisory = "Securitum / Michal Sajdak, 'TP-Link http/tftp backdoor', 2013-03-14"
        severity = "critical"
    strings:
        $url = "userRpmNatDebugRpm26525557"
    condition:
        $url
}
