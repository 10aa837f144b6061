#![no_main]
// Inventory (CSV and JSON) and network policy parsers, then a full assessment with dated
// rules (progress and replacement plans).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    if sel % 2 == 0 {
        if let Ok(inv) = netvet_network::Inventory::parse("fuzz.csv", rest) {
            let p = netvet_network::Policy::parse(
                "p.toml",
                "as_of = \"2026-01-01\"\n[vendors]\n\"A\" = \"high\"\n[rules]\nforbid = { high = [\"core\"] }\nmax_share = { high = { ran = 0.35 } }\nmin_vendors = { core = 2 }\nrequire_certified = { core = [\"nesas\"] }\n[rules.deadline]\nforbid = \"2027-12-31\"\nmax_share = \"2025-12-31\"\nmin_vendors = \"2026-06-30\"\nuncertified = \"2026-03-31\"\n",
            )
            .expect("fixed policy parses");
            let a = netvet_network::assess(&inv, &p, &Default::default(), Some("A"));
            let _ = netvet_network::render::html(&a);
        }
    } else if let Ok(text) = std::str::from_utf8(rest) {
        let _ = netvet_network::Policy::parse("fuzz.toml", text);
    }
});
