// Hidden network listeners that hand out a shell or configuration access.
//
// Port constants are matched as the instruction that loads them (MIPS `li rX, port`,
// i.e. addiu/ori rX, zero, imm, in both byte orders) or as a sockaddr_in initializer
// (family in host order, port in network order), and only together with the service's
// protocol strings: a port number alone is never enough.

rule sercomm_tcp32764_scmm
{
    meta:
        description = "Sercomm configuration backdoor on TCP port 32764 (scfgmgr): packets with the ScMM/MMcS magic dump the configuration and run commands (Linksys WAG200G, Netgear DGN1000, Cisco WAP4410N and others). Matched by the daemon name in the file, by its file name, or by the port constant 32764 in an ELF"
        reference = "https://github.com/elvanderb/TCP-32764"
        reference2 = "https://nvd.nist.gov/vuln/detail/CVE-2014-0659"
        cve = "CVE-2014-0659"
        vendor = "Sercomm (Cisco, Linksys, Netgear, Diamond OEM firmware)"
        year = "2013"
        artifact = "ScMM/MMcS protocol magic with the scfgmgr name or the TCP port 32764 (0x7FFC) next to socket calls"
        severity = "critical"
    strings:
        $be = "ScMM"
        $le = "MMcS"
        $daemon = "scfgmgr"
        // li rX, 32764 (addiu rX, zero, 0x7ffc), big- and little-endian MIPS
        $port_mips_be = { 24 (0? | 1?) 7f fc }
        $port_mips_le = { fc 7f (0? | 1?) 24 }
        // struct sockaddr_in { sin_family = AF_INET (host order), sin_port = htons(32764) }
        $sockaddr_be = { 00 02 7f fc }
        $sockaddr_le = { 02 00 7f fc }
    condition:
        ($be or $le) and ($daemon or filename == "scfgmgr" or (uint32(0) == 0x464c457f and any of ($port_mips_*, $sockaddr_*)))
}

rule sercomm_ft_tool_ethertype_8888_reenabler
{
    meta:
        description = "ft_tool, shipped with the 'fixed' Sercomm firmware, listens on a raw socket for EtherType 0x8888 frames; payload md5(model name) with type 0x201 runs 'scfgmgr -f &' and re-opens the TCP 32764 backdoor (Netgear DGN1000 1.1.0.55 and others)"
        reference = "https://github.com/elvanderb/TCP-32764"
        advisory = "Eloi Vanderbeken (Synacktiv), 'How Sercomm saved my Easter! Another backdoor in my router', 2014-04-18"
        vendor = "Sercomm (Netgear OEM firmware)"
        year = "2014"
        artifact = "command 'scfgmgr -f' with the ft_tool name, the EtherType 0x8888 constant or md5('DGN1000') 45d1bb339b07a6618b2114dbc0d7783e"
        severity = "critical"
    strings:
        $cmd = "scfgmgr -f"
        $md5 = { 45 d1 bb 33 9b 07 a6 61 8b 21 14 db c0 d7 78 3e }
        $md5hex = "45d1bb339b07a6618b2114dbc0d7783e" nocase
        // socket(PF_PACKET, SOCK_RAW, htons(0x8888)): li rX, 0x8888 (ori rX, zero, 0x8888);
        // 0x8888 reads the same in both byte orders
        $eth_be = { 34 (0? | 1?) 88 88 }
        $eth_le = { 88 88 (0? | 1?) 34 }
    condition:
        uint32(0) == 0x464c457f and $cmd and (filename == "ft_tool" or $md5 or $md5hex or any of ($eth_*))
}

rule tenda_w302r_mfg_udp7329
{
    meta:
        description = "Manufacturing thread in the Tenda web server listens on UDP 7329 and runs any command prefixed with w302r_mfg as root (Tenda W302R, W330R, Medialink MWN-WAPR150N)"
        reference = "http://www.devttys0.com/2013/10/from-china-with-love/"
        advisory = "Craig Heffner, 'From China, With Love', devttys0.com, 2013-10-17"
        vendor = "Tenda"
        year = "2013"
        artifact = "command prefix w302r_mfg in httpd"
        severity = "critical"
    strings:
        $magic = "w302r_mfg"
    condition:
        $magic
}

rule netgear_telnetenable_magic_packet
{
    meta:
        description = "telnetenabled listens for a Blowfish-encrypted magic packet keyed with AMBIT_TELNET_ENABLE+<password> and then starts an unauthenticated root telnet console (many Netgear routers)"
        reference = "https://openwrt.org/toh/netgear/telnet.console"
        advisory = "OpenWrt wiki 'Netgear telnet console'; public client github.com/insanid/NetgearTelnetEnable"
        vendor = "Netgear"
        year = "unknown"
        artifact = "Blowfish key prefix AMBIT_TELNET_ENABLE+ in telnetenabled"
        severity = "high"
    strings:
        $key = "AMBIT_TELNET_ENABLE+"
    condition:
        $key
}

rule xz_liblzma_backdoor_cve_2024_3094
{
    meta:
        description = "Backdoored liblzma from xz-utils 5.6.0/5.6.1: the injected object hooks RSA_public_decrypt in sshd; matched by the function prologue signature published with the disclosure"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"
        reference2 = "https://nvd.nist.gov/vuln/detail/CVE-2024-3094"
        cve = "CVE-2024-3094"
        vendor = "xz-utils (upstream release tarballs)"
        year = "2024"
        artifact = "x86-64 prologue of the injected function in liblzma"
        severity = "critical"
    strings:
        $sig = { f3 0f 1e fa 55 48 89 f5 4c 89 ce 53 89 fb 81 e7 00 00 00 80 48 83 ec 28 48 89 54 24 18 48 89 4c 24 10 }
    condition:
        $sig
}

rule netis_netcore_igdmptd_udp53413
{
    meta:
        description = "igdmptd listens on UDP 53413 on the WAN side; after the hard-coded password netcore it reads and writes files and runs shell commands (Netis/Netcore routers)"
        reference = "http://blog.trendmicro.com/trendlabs-security-intelligence/netis-routers-leave-wide-open-backdoor/"
        reference2 = "https://netisscan.shadowserver.org/"
        advisory = "Trend Micro, Tim Yeh, 'Netis Routers Leave Wide Open Backdoor', 2014-08"
        vendor = "Netis / Netcore"
        year = "2014"
        artifact = "password netcore in an ELF named igdmptd, naming igdmptd, or loading the port 53413 (0xD0A5)"
        severity = "critical"
    strings:
        $pw = "netcore" fullword
        $name = "igdmptd"
        // li rX, 53413: ori rX, zero, 0xd0a5 (or addiu with the sign-extended value)
        $port_be = { (24 | 34) (0? | 1?) d0 a5 }
        $port_le = { a5 d0 (0? | 1?) (24 | 34) }
    condition:
        uint32(0) == 0x464c457f and $pw and (filename == "igdmptd" or $name or any of ($port_*))
}

rule xiongmai_dvrhelper_telnet_unlock_tcp9530
{
    meta:
        description = "Xiongmai (HiSilicon-based) DVR/NVR/camera helper process on TCP 9530 starts telnetd on request 'OpenTelnet:OpenOnce' (newer builds: after a randNum challenge with the static key 2wj9fsa2); root logs in with a fixed password"
        reference = "https://habr.com/en/post/486856/"
        reference2 = "https://github.com/tothi/hs-dvr-telnet"
        advisory = "Vladislav Yarmak, 'Backdoor in HiSilicon-based DVRs/NVRs/IP cameras' (full disclosure), 2020-02-03"
        vendor = "Hangzhou Xiongmai (HiSilicon SoC devices)"
        year = "2020"
        artifact = "OpenTelnet:OpenOnce with randNum:/verify:OK/2wj9fsa2, or in dvrHelper/macGuarder/dvrbox"
        severity = "critical"
    strings:
        $open = "OpenTelnet:OpenOnce"
        $rand = "randNum:"
        $verify = "verify:OK"
        $psk = "2wj9fsa2"
    condition:
        uint32(0) == 0x464c457f and $open and ($rand or $verify or $psk or filename == "dvrHelper" or filename == "macGuarder" or filename == "dvrbox")
}

rule realtek_sdk_udpserver_mp_daemon_udp9034
{
    meta:
        description = "Realtek Jungle SDK 'MP daemon' (UDPServer) listens on UDP 9034 and passes received commands (orf, irf, cat, iwpriv, flash ...) to system() without authentication"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2021-35394"
        reference2 = "https://onekey.com/blog/advisory-multiple-issues-realtek-sdk-iot-supply-chain/"
        cve = "CVE-2021-35394"
        vendor = "Realtek (SDK used by many router vendors)"
        year = "2021"
        artifact = "MP AUTOMATION daemon banner, or ' > /tmp/MP.txt' with the received-command log line, in UDPServer"
        severity = "critical"
    strings:
        $banner = "MP AUTOMATION daemon"
        $out = " > /tmp/MP.txt"
        $recv = "received command (%s) from IP:%s"
    condition:
        uint32(0) == 0x464c457f and ($banner or ($out and $recv) or (filename == "UDPServer" and $out))
}

rule asus_infosvr_manu_cmd_udp9999
{
    meta:
        description = "ASUS infosvr on UDP 9999 runs the command of any iBox NET_CMD_ID_MANU_CMD packet as root without authentication (ASUSWRT before 3.0.0.4.376.3754); fixed builds gate it on the ateCommand_flag nvram and are not matched"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2014-9583"
        reference2 = "https://github.com/jduck/asus-cmd"
        cve = "CVE-2014-9583"
        vendor = "ASUS"
        year = "2015"
        artifact = "'%s > /tmp/syscmd.out' command wrapper without the ateCommand_flag gate, in infosvr"
        severity = "critical"
    strings:
        $out = "%s > /tmp/syscmd.out"
        $log = "system cmd: %d %s"
        $gate = "ateCommand_flag"
    condition:
        $out and not $gate and ($log or filename == "infosvr")
}

rule dlink_quanta_appmgr_helodbg_udp39889
{
    meta:
        description = "appmgr listens on UDP 39889; the string HELODBG makes it run '/sbin/telnetd -l /bin/sh', an unauthenticated root shell (D-Link DWR-932B and Quanta LTE routers)"
        reference = "https://pierrekim.github.io/blog/2016-09-28-dlink-dwr-932b-lte-routers-vulnerabilities.html"
        reference2 = "https://nvd.nist.gov/vuln/detail/CVE-2016-10178"
        cve = "CVE-2016-10178"
        vendor = "D-Link / Quanta"
        year = "2016"
        artifact = "HELODBG command with telnetd -l /bin/sh in appmgr"
        severity = "critical"
    strings:
        $helo = "HELODBG" fullword
        $telnetd = "telnetd -l /bin/sh"
    condition:
        uint32(0) == 0x464c457f and $helo and ($telnetd or filename == "appmgr")
}

rule totolink_skt_tcp5555_hel_xasf
{
    meta:
        description = "/bin/skt listens on port 5555; 'hel,xasf' inserts an iptables rule opening the web administration (port 80) on the WAN interface, 'oki,xasf' removes it (TOTOLINK routers)"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2015-9550"
        advisory = "Pierre Kim, 'Backdoor in TOTOLINK products', 2015"
        cve = "CVE-2015-9550"
        vendor = "TOTOLINK"
        year = "2015"
        artifact = "magic commands hel,xasf and oki,xasf in skt"
        severity = "high"
    strings:
        $hel = "hel,xasf"
        $oki = "oki,xasf"
    condition:
        ($hel and $oki) or (filename == "skt" and ($hel or $oki))
}
