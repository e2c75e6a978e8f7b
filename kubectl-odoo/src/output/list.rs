//! Lists, rendered the same way for every kind: a table (a NAMESPACE column first
//! across namespaces, more columns with `-o wide`), a `v1` List without managed
//! fields for `-o json|yaml`, `KIND/NAME` lines for `-o name`, and a message on
//! stderr rather than an empty table.

use kube::{Resource, ResourceExt};
use serde::Serialize;

use crate::error::CliError;
use crate::format::OutputFormat;
use crate::output::{Printer, table};

/// How the objects of one kind show in a list.
pub struct Columns<K> {
    /// What `-o name` prints before the name: `odoo`, `odoobackupjob`, `event`.
    pub kind: &'static str,
    /// The table's columns.
    pub header: &'static [&'static str],
    /// The columns `-o wide` adds after them.
    pub wide: &'static [&'static str],
    /// One object's cells: those of `header`, then when wide those of `wide`.
    pub row: fn(&K, bool) -> Vec<String>,
}

/// Prints `items` in the printer's format. `namespaces` adds the NAMESPACE column
/// (a list across namespaces); `empty` is said when there is no row to show.
pub fn print<K>(
    printer: &Printer,
    columns: &Columns<K>,
    items: &[K],
    namespaces: bool,
    empty: &str,
) -> Result<(), CliError>
where
    K: Resource + Clone + Serialize,
{
    match printer.format {
        OutputFormat::Json | OutputFormat::Yaml => {
            // Like kubectl, managed fields are noise unless asked for.
            let items: Vec<K> = items
                .iter()
                .cloned()
                .map(|mut item| {
                    item.meta_mut().managed_fields = None;
                    item
                })
                .collect();
            printer.structured(&serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": items,
            }))
        }
        OutputFormat::Name => printer.out(
            &items
                .iter()
                .map(|item| format!("{}/{}\n", columns.kind, item.name_any()))
                .collect::<String>(),
        ),
        format => {
            if items.is_empty() {
                printer.note(empty);
                return Ok(());
            }
            let wide = format == OutputFormat::Wide;
            printer.out(&tabulate(columns, items, namespaces, wide))
        }
    }
}

/// The table of `items`. Pure.
pub fn tabulate<K: Resource>(
    columns: &Columns<K>,
    items: &[K],
    namespaces: bool,
    wide: bool,
) -> String {
    let mut header = Vec::new();
    if namespaces {
        header.push("NAMESPACE");
    }
    header.extend(columns.header);
    if wide {
        header.extend(columns.wide);
    }
    let rows = items.iter().map(|item| {
        let mut row = Vec::new();
        if namespaces {
            row.push(item.namespace().unwrap_or_default());
        }
        row.extend((columns.row)(item, wide));
        row
    });
    table(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    const COLUMNS: Columns<ConfigMap> = Columns {
        kind: "configmap",
        header: &["NAME"],
        wide: &["KEYS"],
        row: |c, wide| {
            let mut row = vec![c.name_any()];
            if wide {
                row.push(c.data.as_ref().map_or(0, |d| d.len()).to_string());
            }
            row
        },
    };

    fn config_map(namespace: &str, name: &str) -> ConfigMap {
        let mut c = ConfigMap::default();
        c.metadata.namespace = Some(namespace.into());
        c.metadata.name = Some(name.into());
        c
    }

    #[test]
    fn the_namespace_comes_first_and_wide_columns_last() {
        let items = [config_map("team", "a"), config_map("ops", "b")];
        assert_eq!(tabulate(&COLUMNS, &items, false, false), "NAME\na\nb\n");
        assert_eq!(
            tabulate(&COLUMNS, &items, true, true),
            "NAMESPACE   NAME   KEYS\nteam        a      0\nops         b      0\n"
        );
    }
}
