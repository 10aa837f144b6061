// Hard-coded accounts, passwords and keys that give access to every unit.

rule fortinet_fortios_ssh_fgtabc
{
    meta:
        description = "FortiOS SSH accepts the hard-coded challenge/response secret FGTAbc11*xy+Qqz27 for the Fortimanager_Access account (FortiOS 4.1.x-5.0.7)"
        reference = "https://www.fortiguard.com/psirt/FG-IR-16-001"
        reference2 = "https://seclists.org/fulldisclosure/2016/Jan/26"
        cve = "CVE-2016-1909"
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
        severity = "critical"
    strings:
        $seed = "MPSJKMDHAI"
    condition:
        $seed
}
