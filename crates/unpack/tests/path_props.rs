//! Property tests: whatever name an image gives an entry, the normalized path stays inside
//! the layer root.

use netvet_unpack::path::{normalize, resolve_link};
use proptest::prelude::*;

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_string()),
        Just(".".to_string()),
        Just(String::new()),
        "[a-z]{1,4}",
        "[\\x00-\\x1f]{1,2}",
        Just("\\..\\".to_string()),
    ]
}

fn raw_path() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(component(), 0..12)).prop_map(|(abs, cs)| {
        let p = cs.join("/");
        if abs {
            format!("/{p}")
        } else {
            p
        }
    })
}

proptest! {
    #[test]
    fn normalized_paths_stay_inside(raw in raw_path()) {
        let n = normalize(&raw);
        prop_assert!(!n.path.starts_with('/'));
        prop_assert!(!n.path.contains('\\'));
        for c in n.path.split('/') {
            prop_assert!(c != ".." && c != ".");
            if !n.path.is_empty() {
                prop_assert!(!c.is_empty());
            }
            prop_assert!(!c.chars().any(|ch| ch.is_control()));
        }
        // idempotent
        prop_assert_eq!(normalize(&n.path).path, n.path.clone());
        prop_assert!(!normalize(&n.path).escaped);
    }

    #[test]
    fn link_resolution_stays_inside(link in raw_path(), target in raw_path()) {
        let l = normalize(&link).path;
        let r = resolve_link(&l, &target);
        prop_assert!(!r.starts_with('/'));
        prop_assert!(r.split('/').all(|c| c != ".."));
    }

    #[test]
    fn arbitrary_strings_never_panic(raw in ".*") {
        let n = normalize(&raw);
        prop_assert!(!n.path.split('/').any(|c| c == ".."));
    }
}
