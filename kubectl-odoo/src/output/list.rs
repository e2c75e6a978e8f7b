//! Lists, rendered the same way for every kind: a table (a NAMESPACE column first
//! across namespaces, more columns with `-o wide`), a `v1` List without managed
//! fields for `-o json|yaml`, `KIND/NAME` lines for `-o name`, and a message on
//! stderr rather than an empty table.

use kube::{Resource, ResourceExt};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Printer, View, table, without_managed_fields};

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
    printer.show(&List {
        columns,
        items,
        namespaces,
        empty,
    })
}

/// A list as [`print`] shows it.
struct List<'a, K> {
    columns: &'a Columns<K>,
    items: &'a [K],
    namespaces: bool,
    empty: &'a str,
}

impl<K: Resource + Clone + Serialize> View for List<'_, K> {
    fn data(&self) -> impl Serialize {
        let items: Vec<K> = self.items.iter().map(without_managed_fields).collect();
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": items,
        })
    }

    fn table(&self, wide: bool, _color: bool) -> String {
        tabulate(self.columns, self.items, self.namespaces, wide)
    }

    fn names(&self) -> Option<String> {
        let kind = self.columns.kind;
        Some(
            self.items
                .iter()
                .map(|item| format!("{kind}/{}\n", item.name_any()))
                .collect(),
        )
    }

    fn empty(&self) -> Option<String> {
        self.items.is_empty().then(|| self.empty.to_owned())
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
