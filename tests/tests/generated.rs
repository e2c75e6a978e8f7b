//! Generated files must match what the code generates. No cluster needed.

use odoo_tests::workspace_root;

#[test]
fn committed_crds_match_the_types() {
    let path = workspace_root().join(odoo_model::crds::CRD_FILE);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = odoo_model::crds::to_yaml().expect("rendering the CRDs");
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one file is a prefix of the other".to_owned(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "{} is stale ({first_difference}); regenerate it with\n  cargo run -p odoo-operator -- crds --write {}",
            path.display(),
            odoo_model::crds::CRD_FILE
        );
    }
}
