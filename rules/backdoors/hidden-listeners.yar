// Hidden network listeners that hand out a shell or configuration access.

rule sercomm_tcp32764_scmm
{
    meta:
        description = "Sercomm configuration backdoor on TCP port 32764 (scfgmgr): packets with the ScMM/MMcS magic dump the configuration and run commands (Linksys WAG200G, Netgear DGN1000, Cisco WAP4410N and others)"
        reference = "https://github.com/elvanderb/TCP-32764"
        reference2 = "https://nvd.nist.gov/vuln/detail/CVE-2014-0659"
        cve = "CVE-2014-0659"
        severity = "critical"
    strings:
        $be = "ScMM"
        $le = "MMcS"
        $daemon = "scfgmgr"
    condition:
        ($be or $le) and $daemon
}

rule tenda_w302r_mfg_udp7329
{
    meta:
        description = "Manufacturing thread in the Tenda web server listens on UDP 7329 and runs any command prefixed with w302r_mfg as root (Tenda W302R, W330R, Medialink MWN-WAPR150N)"
        reference = "http://www.devttys0.com/2013/10/from-china-with-love/"
        advisory = "Craig Heffner, 'From China, With Love', devttys0.com, 2013-10-17"
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
        severity = "critical"
    strings:
        $sig = { f3 0f 1e fa 55 48 89 f5 4c 89 ce 53 89 fb 81 e7 00 00 00 80 48 83 ec 28 48 89 54 24 18 48 89 4c 24 10 }
    condition:
        $sig
}
