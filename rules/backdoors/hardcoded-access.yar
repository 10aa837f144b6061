// Hard-coded accounts, passwords and keys that give access to every unit.

rule fortinet_fortios_ssh_fgtabc
{
    meta:
        description = "FortiOS SSH accepts the hard-coded challenge/response secret FGTAbc11*xy+Qqz27 for the Fortimanager_Access account (FortiOS 4.1.x-5.0.7)"
        reference = "https://www.fortiguard.com/psirt/FG-IR-16-001"
        reference2 = "https://seclists.org/fulldisclosure/2016/Jan/26"
        cve = "CVE-2016-1909"
        vendor = "Fortinet"
        year = "2016"
        artifact = "SSH challenge/response secret string in the FortiOS image"
        severity = "critical"
    strings:
        $secret = "FGTAbc11*xy+Qqz27"
    condition:
        $secret
}

rule zyxel_zyfwp_hardcoded_account
{
    meta:
        description = "Undocumented account zyfwp with the hard-coded password PrOw!aN_fXp for SSH and the web interface (Zyxel USG/ATP/VPN firewalls, NXC controllers, firmware 4.60)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2020-29583"
        reference2 = "https://www.eyecontrol.nl/blog/undocumented-user-account-in-zyxel-products.html"
        cve = "CVE-2020-29583"
        vendor = "Zyxel"
        year = "2020"
        artifact = "plaintext password PrOw!aN_fXp of the zyfwp account"
        severity = "critical"
    strings:
        $pw = "PrOw!aN_fXp"
    condition:
        $pw
}

rule zyxel_pk5001z_su_password
{
    meta:
        description = "Hard-coded su password zyad5001 gives root from any login (ZyXEL PK5001Z modem)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2016-10401"
        cve = "CVE-2016-10401"
        vendor = "Zyxel"
        year = "2016"
        artifact = "su password zyad5001"
        severity = "critical"
    strings:
        $pw = "zyad5001" fullword
    condition:
        $pw
}

rule fortinet_fortios_config_static_key
{
    meta:
        description = "FortiOS encrypts secrets in configuration backups with the hard-coded AES key 'Mary had a littl', so anyone can decrypt them"
        reference = "https://www.fortiguard.com/psirt/FG-IR-19-007"
        reference2 = "https://nvd.nist.gov/vuln/detail/CVE-2019-6693"
        cve = "CVE-2019-6693"
        vendor = "Fortinet"
        year = "2019"
        artifact = "static AES key 'Mary had a littl' in the FortiOS image"
        severity = "high"
    strings:
        $key = "Mary had a littl"
    condition:
        $key
}

rule dlink_alphanetworks_telnet_account
{
    meta:
        description = "Start-up script runs telnetd with the built-in account Alphanetworks whose password is the firmware's image_sign string, the same on every unit of a model (D-Link DIR-300/DIR-600/DAP-1522 and other Alphanetworks firmware)"
        reference = "https://tweakers.net/nieuws/92897/onderzoeker-ontdekt-nieuwe-achterdeur-in-d-link-firmware.html"
        advisory = "Matteo Ignaccolo, D-Link DAP-1522 telnet server with built-in credentials (wapnd01_dlink_dap1522), 2013"
        vendor = "D-Link (Alphanetworks)"
        year = "2013"
        artifact = "telnetd -u Alphanetworks:<image_sign> in a start-up script"
        severity = "critical"
    strings:
        $cmd = /telnetd[^\n]{0,80}-u[ \t]+Alphanetworks:/
    condition:
        $cmd
}

rule airocon_mac_derived_admin_password
{
    meta:
        description = "Telnet/web admin password is the last four MAC characters followed by 'airocon' (ZTE ZXV10 W300 and the same firmware in Asus DSL-N12E, Digicom DG-5524T, Observa RTA01N, PLDT SpeedSurf 504AN)"
        reference = "https://www.kb.cert.org/vuls/id/950576"
        reference2 = "https://www.kb.cert.org/vuls/id/228886"
        cve = "CVE-2014-0329"
        vendor = "ZTE (and OEM firmware)"
        year = "2014"
        artifact = "format string <MAC digits>airocon building the admin password"
        severity = "critical"
    strings:
        $suffix = /%[0-9]{0,2}[sdxX]airocon/
        $word = "airocon" fullword
    condition:
        $suffix or $word
}

rule arris_password_of_the_day_default_seed
{
    meta:
        description = "Technician 'password of the day' derived from the public default seed MPSJKMDHAI; knowing the date gives the password (ARRIS cable modems, libarris_password)"
        reference = "https://w00tsec.blogspot.com/2015/11/arris-cable-modem-has-backdoor-in.html"
        advisory = "Bernardo Rodrigues, 'ARRIS Cable Modem has a Backdoor in the Backdoor', 2015-11-19"
        vendor = "ARRIS"
        year = "2015"
        artifact = "default password-of-the-day seed MPSJKMDHAI"
        severity = "critical"
    strings:
        $seed = "MPSJKMDHAI"
    condition:
        $seed
}

rule juniper_screenos_dual_ec_unauthorized_q
{
    meta:
        description = "ScreenOS Dual_EC_DRBG point Q replaced by unauthorized code (ScreenOS 6.2.0r15-6.2.0r18, 6.3.0r12-6.3.0r20): whoever chose Q can passively decrypt the IPsec VPN traffic"
        reference = "https://kb.juniper.net/JSA10713"
        reference2 = "https://www.imperialviolet.org/2015/12/19/juniper.html"
        cve = "CVE-2015-7756"
        vendor = "Juniper Networks"
        year = "2015"
        artifact = "Dual_EC Q x-coordinate 9585320EEAF81044F20D55030A035B11BECE81C785E6C933E4A8A131F6578107 as hex text"
        severity = "critical"
    strings:
        $q = "9585320EEAF81044F20D55030A035B11BECE81C785E6C933E4A8A131F6578107" nocase
    condition:
        $q
}

rule juniper_screenos_dual_ec_vendor_q
{
    meta:
        description = "ScreenOS seeds its VPN keys from Dual_EC_DRBG with Juniper's own non-NIST point Q (since 6.2.0r1); Checkoway et al. showed the X9.31 post-processing is bypassed, so whoever knows the discrete log of Q can decrypt the VPN traffic"
        reference = "https://eprint.iacr.org/2016/376"
        reference2 = "https://www.imperialviolet.org/2015/12/19/juniper.html"
        advisory = "Checkoway et al., 'A Systematic Analysis of the Juniper Dual EC Incident', ACM CCS 2016"
        vendor = "Juniper Networks"
        year = "2016"
        artifact = "Dual_EC Q x-coordinate 2c55e5e45edf713dc43475effe8813a60326a64d9ba3d2e39cb639b0f3b0ad10 as hex text"
        severity = "medium"
    strings:
        $q = "2c55e5e45edf713dc43475effe8813a60326a64d9ba3d2e39cb639b0f3b0ad10" nocase
    condition:
        $q
}

rule wd_mycloud_mydlinkbrionyg_account
{
    meta:
        description = "Hard-coded web administrator mydlinkBRionyg / abc12345cba in the CGI code shared by WD My Cloud NAS and D-Link DNS-320L ShareCenter; leads to root command execution"
        reference = "https://gulftech.org/advisories/WDMyCloud%20Multiple%20Vulnerabilities/125"
        advisory = "GulfTech, James Bercegay, 'WDMyCloud Multiple Vulnerabilities', 2018-01-03"
        vendor = "Western Digital (D-Link ShareCenter code)"
        year = "2018"
        artifact = "user name mydlinkBRionyg compared in the CGI binaries (nas_sharing.cgi, multi_uploadify.cgi)"
        severity = "critical"
    strings:
        $user = "mydlinkBRionyg"
    condition:
        $user
}

rule huawei_ont_telecomadmin_superuser
{
    meta:
        description = "ISP superuser telecomadmin with a fixed password (admintelecom, or nE7jA%5m on China Telecom builds) in Huawei HG8xxx ONT defaults and the same account in ZTE and FiberHome ONTs; full configuration access on every unit that keeps it"
        reference = "https://pierrekim.github.io/blog/2021-01-12-fiberhome-ont-0day-vulnerabilities.html"
        reference2 = "https://github.com/threat9/routersploit/tree/master/routersploit/modules/creds/routers/huawei"
        advisory = "Pierre Kim, FiberHome HG6245D advisory (telecomadmin / nE7jA%5m among the hard-coded accounts), 2021-01-12; RouterSploit Huawei default-credential modules (telecomadmin / admintelecom)"
        vendor = "Huawei (also ZTE, FiberHome ONTs for China Telecom)"
        year = "2021"
        artifact = "account telecomadmin next to its password admintelecom or nE7jA%5m in the same file"
        severity = "high"
    strings:
        $user = "telecomadmin" fullword
        $pw1 = "admintelecom" fullword
        $pw2 = "nE7jA%5m"
    condition:
        $user and ($pw1 or $pw2)
}

rule xiongmai_xmeye_hidden_default_account
{
    meta:
        description = "Hidden account default / tluafed in Xiongmai DVR/NVR/camera firmware, usable over the XMEye P2P cloud; undocumented and present on every unit"
        reference = "https://www.cisa.gov/news-events/ics-advisories/icsa-18-282-06"
        advisory = "SEC Consult, Xiongmai XMEye P2P Cloud advisory (ICSA-18-282-06), 2018-10-09"
        vendor = "Hangzhou Xiongmai"
        year = "2018"
        artifact = "password tluafed of the hidden user default"
        severity = "high"
    strings:
        $pw = "tluafed" fullword
    condition:
        $pw
}

rule xiongmai_root_password_xc3511
{
    meta:
        description = "Root password xc3511 (DES crypt absxcfbgXtb3o) of Xiongmai/HiSilicon DVRs and cameras, fixed in the image and not changeable from the user interface; used by Mirai, led to Xiongmai's 2016 recall"
        reference = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"
        reference2 = "https://github.com/tothi/pwn-hisilicon-dvr"
        advisory = "Krebs on Security / Flashpoint, 'Who Makes the IoT Things Under Attack?', 2016-10-03"
        vendor = "Hangzhou Xiongmai"
        year = "2016"
        artifact = "passwd/shadow line root:absxcfbgXtb3o: (crypt of xc3511, salt ab)"
        severity = "high"
    strings:
        $hash = "root:absxcfbgXtb3o:"
    condition:
        $hash
}

rule dahua_hardcoded_root_7ujmko0
{
    meta:
        description = "Telnet root passwords 7ujMko0admin / 7ujMko0vizxv built into Dahua DVRs and IP cameras (Mirai's dictionary, attributed to Dahua)"
        reference = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"
        reference2 = "https://github.com/jgamblin/Mirai-Source-Code/blob/master/mirai/bot/scanner.c"
        advisory = "Krebs on Security / Flashpoint, 'Who Makes the IoT Things Under Attack?', 2016-10-03"
        vendor = "Dahua"
        year = "2016"
        artifact = "plaintext root password 7ujMko0admin or 7ujMko0vizxv"
        severity = "high"
    strings:
        $a = "7ujMko0admin" fullword
        $b = "7ujMko0vizxv" fullword
    condition:
        $a or $b
}

rule anran_hardcoded_root_xmhdipc
{
    meta:
        description = "Telnet root password xmhdipc built into Shenzhen Anran IP cameras (Mirai's dictionary)"
        reference = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"
        reference2 = "https://github.com/jgamblin/Mirai-Source-Code/blob/master/mirai/bot/scanner.c"
        advisory = "Krebs on Security / Flashpoint, 'Who Makes the IoT Things Under Attack?', 2016-10-03"
        vendor = "Shenzhen Anran Security Technology"
        year = "2016"
        artifact = "plaintext root password xmhdipc"
        severity = "high"
    strings:
        $pw = "xmhdipc" fullword
    condition:
        $pw
}

rule juan_hardcoded_root_juantech
{
    meta:
        description = "Telnet root password juantech built into Guangzhou Juan Optical DVRs and cameras (Mirai's dictionary)"
        reference = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"
        reference2 = "https://github.com/jgamblin/Mirai-Source-Code/blob/master/mirai/bot/scanner.c"
        advisory = "Krebs on Security / Flashpoint, 'Who Makes the IoT Things Under Attack?', 2016-10-03"
        vendor = "Guangzhou Juan Optical and Electronical Tech"
        year = "2016"
        artifact = "plaintext root password juantech"
        severity = "high"
    strings:
        $pw = "juantech" fullword
    condition:
        $pw
}

rule zte_hardcoded_root_zte521
{
    meta:
        description = "Telnet root password Zte521 built into ZTE routers (Mirai's dictionary)"
        reference = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"
        reference2 = "https://github.com/jgamblin/Mirai-Source-Code/blob/master/mirai/bot/scanner.c"
        advisory = "Krebs on Security / Flashpoint, 'Who Makes the IoT Things Under Attack?', 2016-10-03"
        vendor = "ZTE"
        year = "2016"
        artifact = "plaintext root password Zte521"
        severity = "high"
    strings:
        $pw = "Zte521" fullword
    condition:
        $pw
}

rule wificam_hardcoded_root_hslwificam
{
    meta:
        description = "Telnet is on by default with the fixed root password hslwificam on Shenzhen OEM Wi-Fi cameras (sold as Digma, Avacom and others); in Mirai variants' dictionaries"
        reference = "https://github.com/OpenIPC/wiki"
        advisory = "OpenIPC wiki 'Access to SSH, telnet, FTP' password table; Mirai-variant dictionaries (root:hslwificam)"
        vendor = "Shenzhen OEM cameras"
        year = "unknown"
        artifact = "plaintext hslwificam or its md5crypt $1$ybdHbPDn$ii9aEIFNiolBbM9QxW9mr0"
        severity = "high"
    strings:
        $plain = "hslwificam" fullword
        $hash = "$1$ybdHbPDn$ii9aEIFNiolBbM9QxW9mr0"
    condition:
        $plain or $hash
}

rule tenda_ac_telnet_root_fireitup
{
    meta:
        description = "Hard-coded telnet root password Fireitup (Tenda AC15 AC1900 15.03.05.19 and other AC-series firmware)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2020-10988"
        cve = "CVE-2020-10988"
        vendor = "Tenda"
        year = "2020"
        artifact = "password Fireitup or its MD5 9b60fc59706134759dbcaea58caf9068"
        severity = "critical"
    strings:
        $plain = "Fireitup" fullword
        $md5 = "9b60fc59706134759dbcaea58caf9068" nocase
    condition:
        $plain or $md5
}

rule fiberhome_ont_hardcoded_web_accounts
{
    meta:
        description = "Hard-coded web accounts in FiberHome HG6245D and related ONTs, among them f~i!b@e#r$h%o^m*esuperadmin / s(f)u_h+g|u and ISP accounts (adminpldt, rootmet, awnfibre)"
        reference = "https://pierrekim.github.io/blog/2021-01-12-fiberhome-ont-0day-vulnerabilities.html"
        advisory = "Pierre Kim, 'Multiple vulnerabilities found in FiberHome HG6245D routers', 2021-01-12"
        vendor = "FiberHome"
        year = "2021"
        artifact = "account f~i!b@e#r$h%o^m*esuperadmin, or two of the hard-coded passwords, in the web server"
        severity = "critical"
    strings:
        $super = "f~i!b@e#r$h%o^m*esuperadmin"
        $pw1 = "s(f)u_h+g|u"
        $pw2 = "z6dUABtl270qRxt7a2uGTiw"
        $pw3 = "m3tr0r00t"
        $pw4 = "fibre@dm!n"
        $pw5 = "%0|F?H@f!berhO3e"
    condition:
        $super or 2 of ($pw*)
}

rule cdata_olt_telnet_backdoor_accounts
{
    meta:
        description = "Undocumented telnet CLI accounts with full administrator rights in C-Data FTTH OLT firmware (FD1104B, FD1108SN and 27 more models, also sold as OptiLink, V-SOL CN, BLIY): suma123/panger123, debug/debug124, root/root126, guest with an empty password; the telnet server listens on the WAN and FTTH interfaces"
        reference = "https://pierrekim.github.io/blog/2020-07-07-cdata-olt-0day-vulnerabilities.html"
        reference2 = "https://github.com/rapid7/metasploit-framework/pull/13848"
        advisory = "Pierre Kim and Alexandre Torres, Multiple vulnerabilities found in CDATA OLTs (backdoor access with telnet), 2020-07-07"
        vendor = "C-Data (OptiLink, V-SOL CN, BLIY OEM firmware)"
        year = "2020"
        artifact = "two of the published backdoor passwords panger123, debug124, root126 in the firmware"
        severity = "critical"
    strings:
        $a = "panger123" fullword
        $b = "debug124" fullword
        $c = "root126" fullword
    condition:
        2 of them
}

rule schneider_quantum_noe_hardcoded_accounts
{
    meta:
        description = "Hard-coded FTP/telnet/WDB accounts in Schneider Electric Quantum, Premium and M340 Ethernet modules (NOE 771, BMXNOE0100 and others): pcfactory, loader/fwdownload, sysdiag/factorycast@schneider, noe77111_v500 and more"
        reference = "https://www.cisa.gov/news-events/ics-alerts/ics-alert-11-346-01"
        cve = "CVE-2011-4859"
        vendor = "Schneider Electric"
        year = "2011"
        artifact = "two or more of the published hard-coded passwords in the module firmware"
        severity = "critical"
    strings:
        $a = "factorycast@schneider"
        $b = "fwdownload" fullword
        $c = "pcfactory" fullword
        $d = "RcSyyebczS"
        $e = "RybQRceeSd"
        $f = "cQdd9debez"
        $g = "RcQbRbzRyc"
        $h = "nimrohs2212"
        $i = "sresurdf"
        $j = "poiuypoiuy"
    condition:
        2 of them
}

rule mikrotik_routeros_devel_login
{
    meta:
        description = "RouterOS login gives the user devel (with the admin password) a root shell when the option package directory /pckg/option exists (or /nova/etc/devel-login on 6.41+); attackers with a file-write bug create it"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2019-3943"
        advisory = "Tenable Research (Jacob Baines), RouterOS post-exploitation: the devel login backdoor, enabled through the CVE-2019-3943 path traversal, 2019"
        vendor = "MikroTik"
        year = "2019"
        artifact = "login binary checking /pckg/option and the devel user"
        severity = "medium"
    strings:
        $opt = "/pckg/option"
        $devel = "devel" fullword
        $devlogin = "devel-login"
    condition:
        uint32(0) == 0x464c457f and $opt and ($devel or $devlogin)
}

rule zyxel_nas_nsarescueangel_account
{
    meta:
        description = "Zyxel NAS326/NAS542 remote-help backdoor account NsaRescueAngel with root rights, enabled through remote_help-cgi"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2024-29972"
        cve = "CVE-2024-29972"
        vendor = "Zyxel"
        year = "2024"
        artifact = "account name NsaRescueAngel in the NAS firmware"
        severity = "high"
    strings:
        $user = "NsaRescueAngel"
    condition:
        $user
}
