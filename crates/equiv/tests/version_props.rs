//! Property tests for the embedded-version order.

use netvet_equiv::diff::version_cmp;
use proptest::prelude::*;
use std::cmp::Ordering;

fn version() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[0-9]{1,4}",
            "[a-z]{1,2}",
            Just(".".to_string()),
            Just("-".to_string()),
            Just("p".to_string())
        ],
        1..8,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn order_is_total_and_consistent(a in version(), b in version(), c in version()) {
        prop_assert_eq!(version_cmp(&a, &a), Ordering::Equal);
        prop_assert_eq!(version_cmp(&a, &b), version_cmp(&b, &a).reverse());
        if version_cmp(&a, &b) != Ordering::Greater && version_cmp(&b, &c) != Ordering::Greater {
            prop_assert_ne!(version_cmp(&a, &c), Ordering::Greater);
        }
    }

    #[test]
    fn numeric_components_compare_as_numbers(x in 0u32..100000, y in 0u32..100000) {
        let (a, b) = (format!("1.{x}.3"), format!("1.{y}.3"));
        prop_assert_eq!(version_cmp(&a, &b), x.cmp(&y));
    }
}
