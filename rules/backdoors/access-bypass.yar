// Authentication bypasses through a hard-coded magic value, and hidden pages or
// implants that open a shell or an administrator session without credentials.

rule dlink_xmlset_user_agent_bypass
{
    meta:
        description = "Web server skips authentication when the User-Agent is xmlset_roodkcableoj28840ybtide (D-Link DIR-100, DI-524, DI-604 and related Alphanetworks firmware)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2013-6026"
        reference2 = "http://www.devttys0.com/2013/10/reverse-engineering-a-d-link-backdoor/"
        cve = "CVE-2013-6026"
        vendor = "D-Link (Alphanetworks)"
        year = "2013"
        artifact = "User-Agent string compared by the web server (alphapd, httpd)"
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
        vendor = "Juniper Networks"
        year = "2015"
        artifact = "master password string in the ScreenOS image, disguised as a format string"
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
        vendor = "Hikvision"
        year = "2017"
        artifact = "magic auth= value YWRtaW46MTEK in the web service"
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
        vendor = "ZTE"
        year = "2014"
        artifact = "page name web_shell_cmd.gch"
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
        vendor = "TP-Link"
        year = "2013"
        artifact = "debug URL userRpmNatDebugRpm26525557 in httpd"
        severity = "critical"
    strings:
        $url = "userRpmNatDebugRpm26525557"
    condition:
        $url
}

rule zte_ont_webfac_factory_mode_unlock
{
    meta:
        description = "Factory-mode protocol of ZTE ONTs (POST /webFac: SendSq.gch, RequestFactoryMode.gch, CheckLoginAuth.gch, FactoryMode.gch) opens telnet/SSH with generated factory credentials; public tools unlock stock devices with it"
        reference = "https://github.com/douniwan5788/zte_modem_tools"
        advisory = "zte_modem_tools (public factory-mode client for ZTE F6xx ONTs): webFac SendSq/RequestFactoryMode/CheckLoginAuth/FactoryMode sequence"
        vendor = "ZTE"
        year = "2021"
        artifact = "webFac request names RequestFactoryMode.gch with SendSq.gch / CheckLoginAuth.gch in the web server"
        severity = "high"
    strings:
        $req = "RequestFactoryMode.gch"
        $sq = "SendSq.gch"
        $auth = "CheckLoginAuth.gch"
    condition:
        $req and ($sq or $auth)
}

rule sony_ipela_prima_factory_cgi
{
    meta:
        description = "Sony IPELA Engine IP cameras: undocumented CGI /command/prima-factory.cgi, reachable with hard-coded accounts (primana, debug), enables telnet and a root shell"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2016-7834"
        reference2 = "https://www.sony.co.uk/pro/article/sony-new-firmware-for-network-cameras"
        cve = "CVE-2016-7834"
        vendor = "Sony"
        year = "2016"
        artifact = "CGI name prima-factory.cgi in the camera web server"
        severity = "critical"
    strings:
        $cgi = "prima-factory.cgi"
    condition:
        $cgi
}

rule cisco_iosxe_webui_implant_logon_hash
{
    meta:
        description = "Implant installed through the IOS XE Web UI (CVE-2023-20198/20273): an nginx/Lua hook on /webui/logoutconfirm.html answers logon_hash=1 with its implant id and runs commands for its operator"
        reference = "https://blog.talosintelligence.com/active-exploitation-of-cisco-ios-xe-software/"
        reference2 = "https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-iosxe-webui-privesc-j22SaA4z"
        cve = "CVE-2023-20198"
        vendor = "Cisco"
        year = "2023"
        artifact = "logoutconfirm.html location with the logon_hash parameter in the web server configuration"
        severity = "critical"
    strings:
        $page = "logoutconfirm.html"
        $param = "logon_hash"
    condition:
        $page and $param
}
