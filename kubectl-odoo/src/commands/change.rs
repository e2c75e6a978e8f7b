//! Changing a few fields of an existing instance by server-side apply, keeping the
//! rest of what the plugin applied before. Shared by stop, start, scale and delete.
//!
//! An apply request states everything its field manager wants: a field `kubectl-odoo`
//! applied earlier (with `create`, say `spec.ingress.hosts`) and leaves out of the next
//! apply is removed from the object. So every change starts from the fields the plugin
//! owns today, extracted from `managedFields` as client-go's `Extract*` functions do,
//! and sets the change on top. The request carries the resourceVersion it was computed
//! from: if someone wrote in between, the change is computed again from the fresh
//! object rather than forcing stale values back.

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use odoo_model::OdooInstance;
use odoo_model::api_error::{is_conflict, is_not_found};
use odoo_model::labels::PLUGIN_FIELD_MANAGER;
use serde_json::{Map, Value};

use crate::commands::write::{AfterWrite, DryRun};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Printer;

/// Conflicting writes tolerated before giving up (the operator writes status often).
const ATTEMPTS: usize = 5;

/// What a change did.
#[derive(Debug)]
pub enum Written {
    /// Nothing to change; the live object.
    Unchanged(OdooInstance),
    /// Applied (or validated by the server with `--dry-run=server`); the result.
    Applied(OdooInstance),
    /// `--dry-run=client`: the apply request that would be sent.
    Preview(Value),
}

/// Reads the instance, asks `plan` for the apply request (None: nothing to do) and
/// sends it with `--force` (the user's explicit request wins over other managers).
/// `plan` also returns a summary for the command's messages; it runs again on the fresh
/// object after a conflicting write.
pub async fn apply<T>(
    api: &Api<OdooInstance>,
    namespace: &str,
    name: &str,
    dry_run: DryRun,
    mut plan: impl FnMut(&OdooInstance) -> Result<(T, Option<Value>), CliError>,
) -> Result<(T, Written), CliError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let live = crate::read::get(api, name, namespace).await?;
        let (summary, body) = plan(&live)?;
        let Some(mut body) = body else {
            return Ok((summary, Written::Unchanged(live)));
        };
        if dry_run == DryRun::Client {
            return Ok((summary, Written::Preview(body)));
        }
        // A precondition: the request fails with 409 instead of overwriting a write
        // made after our read (and cannot create the object if it was deleted).
        if let Some(rv) = live.resource_version() {
            set(
                &mut body,
                &["metadata", "resourceVersion"],
                Value::String(rv),
            );
        }
        let mut params = PatchParams::apply(PLUGIN_FIELD_MANAGER).force();
        params.dry_run = dry_run == DryRun::Server;
        match api.patch(name, &params, &Patch::Apply(&body)).await {
            Ok(applied) => return Ok((summary, Written::Applied(applied))),
            Err(e) if is_conflict(&e) && attempt < ATTEMPTS => continue,
            Err(e) if is_not_found(&e) => {
                return Err(crate::read::not_found::<OdooInstance>(name, namespace));
            }
            Err(e) => return Err(CliError::api(format!("updating odoo/{name}"))(e)),
        }
    }
}

/// What a command that changes one instance makes of it: nothing (why, in a few
/// words: the instance's outcome), or the apply request and what it means.
#[derive(Debug, PartialEq)]
pub enum Planned<T> {
    Nothing(String),
    Apply(T, Value),
}

/// [`apply`] of a [`Planned`] change to the named instance. Nothing to do is said
/// (unless in a fleet) and returned as `Err(why)`, the instance's outcome.
pub async fn apply_planned<T>(
    ctx: &Ctx,
    printer: &Printer,
    name: &str,
    dry_run: DryRun,
    mut plan: impl FnMut(&OdooInstance) -> Result<Planned<T>, CliError>,
) -> Result<Result<(T, Written), String>, CliError> {
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let (planned, written) = apply(&api, &ctx.namespace, name, dry_run, |i| {
        Ok(match plan(i)? {
            Planned::Nothing(why) => (Err(why), None),
            Planned::Apply(meaning, body) => (Ok(meaning), Some(body)),
        })
    })
    .await?;
    match planned {
        Ok(meaning) => Ok(Ok((meaning, written))),
        Err(why) => {
            printer.note_unless_fleet(&why);
            Ok(Err(why))
        }
    }
}

/// Prints the outcome of a write: `odoo/NAME VERB`, or the object as data.
pub fn print(printer: &Printer, name: &str, written: &Written, verb: &str) -> Result<(), CliError> {
    if printer.fleet {
        printer.note(&format!("odoo/{name} {verb}"));
        return Ok(());
    }
    match written {
        Written::Unchanged(live) => crate::commands::write::print_instance(printer, live, verb),
        Written::Applied(applied) => crate::commands::write::print_instance(printer, applied, verb),
        Written::Preview(body) => printer.show(&AfterWrite {
            id: format!("odoo/{name}"),
            verb,
            data: body,
        }),
    }
}

/// The verb with the dry-run mode, as kubectl prints it.
pub fn verb(verb: &str, dry_run: DryRun) -> String {
    match dry_run {
        DryRun::None => verb.to_owned(),
        DryRun::Client => format!("{verb} (dry run)"),
        DryRun::Server => format!("{verb} (server dry run)"),
    }
}

/// The configuration the plugin has applied to `instance` (the fields it owns, with
/// their live values) plus the identity an apply request needs.
pub fn applied_config(instance: &OdooInstance) -> Value {
    let live = serde_json::to_value(instance).unwrap_or_default();
    let mut config = Value::Object(Map::new());
    for entry in instance.metadata.managed_fields.iter().flatten() {
        let ours = entry.manager.as_deref() == Some(PLUGIN_FIELD_MANAGER)
            && entry.operation.as_deref() == Some("Apply")
            && entry.subresource.as_deref().unwrap_or_default().is_empty();
        if let (true, Some(Value::Object(fields))) = (ours, entry.fields_v1.as_ref().map(|f| &f.0))
        {
            merge(&mut config, extract(fields, &live));
        }
    }
    set(
        &mut config,
        &["apiVersion"],
        Value::String(format!(
            "{}/{}",
            odoo_model::API_GROUP,
            odoo_model::API_VERSION
        )),
    );
    set(&mut config, &["kind"], Value::String("OdooInstance".into()));
    set(
        &mut config,
        &["metadata", "name"],
        Value::String(instance.name_any()),
    );
    config
}

/// The part of `live` that a managedFields field set (`f:spec: {f:replicas: {}}`)
/// names. An empty set owns the whole value (a leaf or an atomic list or map).
fn extract(fields: &Map<String, Value>, live: &Value) -> Value {
    if fields.is_empty() {
        return live.clone();
    }
    match live {
        Value::Object(map) => Value::Object(
            fields
                .iter()
                .filter_map(|(key, sub)| {
                    let name = key.strip_prefix("f:")?;
                    Some((name.to_owned(), extract(sub.as_object()?, map.get(name)?)))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    fields
                        .iter()
                        .find_map(|(key, sub)| owned_item(key, sub.as_object()?, index, item))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A list item named by `k:{key fields}`, `v:value` or `i:index`.
fn owned_item(key: &str, fields: &Map<String, Value>, index: usize, item: &Value) -> Option<Value> {
    if let Some(k) = key.strip_prefix("k:") {
        let keys: Map<String, Value> = serde_json::from_str(k).ok()?;
        if !keys.iter().all(|(f, v)| item.get(f) == Some(v)) {
            return None;
        }
        let mut owned = extract(fields, item);
        // The key fields identify the item; an apply request must carry them.
        if let Value::Object(o) = &mut owned {
            o.extend(keys);
        }
        Some(owned)
    } else if let Some(v) = key.strip_prefix("v:") {
        let value: Value = serde_json::from_str(v).ok()?;
        (item == &value).then(|| item.clone())
    } else {
        let i: usize = key.strip_prefix("i:")?.parse().ok()?;
        (i == index).then(|| extract(fields, item))
    }
}

/// Deep-merges `add` into `base`; values of `add` win.
fn merge(base: &mut Value, add: Value) {
    match (base, add) {
        (Value::Object(b), Value::Object(a)) => {
            for (k, v) in a {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, a) => *b = a,
    }
}

/// Sets `path` in `value`, creating objects on the way.
pub fn set(value: &mut Value, path: &[&str], new: Value) {
    let mut at = value;
    for key in path {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Value::Object(map) = at else { return };
        at = map.entry(key.to_string()).or_insert(Value::Null);
    }
    *at = new;
}

/// Removes the last key of `path`; an object left empty by it is removed as well.
pub fn remove(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(Value::Object(map)) = parents.iter().try_fold(&mut *value, |v, k| v.get_mut(*k)) {
        map.remove(*last);
        if map.is_empty() {
            remove(value, parents);
        }
    }
}

/// The value of `path` in `value`, if any.
pub fn get_path<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, k| v.get(*k))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// An instance as the API server returns it after `kubectl odoo create shop
    /// --replicas 3 --host erp.example.com`, with the operator owning the image.
    pub fn created_by_plugin(replicas: i32) -> OdooInstance {
        serde_json::from_value(json!({
            "apiVersion": "odoo-operator.dev/v1alpha1",
            "kind": "OdooInstance",
            "metadata": {
                "name": "shop",
                "namespace": "team",
                "resourceVersion": "42",
                "annotations": {"note": "by hand"},
                "managedFields": [
                    {
                        "manager": "kubectl-odoo",
                        "operation": "Apply",
                        "apiVersion": "odoo-operator.dev/v1alpha1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:spec": {
                            "f:replicas": {},
                            "f:ingress": {"f:hosts": {}, "f:tls": {}},
                            "f:tolerations": {},
                            "f:deletionPolicy": {}
                        }}
                    },
                    {
                        "manager": "odoo-operator",
                        "operation": "Apply",
                        "apiVersion": "odoo-operator.dev/v1alpha1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:spec": {"f:image": {}}}
                    },
                    {
                        "manager": "kubectl-odoo",
                        "operation": "Update",
                        "apiVersion": "odoo-operator.dev/v1alpha1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:metadata": {"f:annotations": {"f:note": {}}}}
                    }
                ]
            },
            "spec": {
                "replicas": replicas,
                "image": "odoo:18.0-20250101",
                "ingress": {"hosts": ["erp.example.com"], "tls": true},
                "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                "deletionPolicy": "Retain"
            }
        }))
        .expect("valid instance")
    }

    #[test]
    fn only_fields_the_plugin_applied_are_kept() {
        let config = applied_config(&created_by_plugin(3));
        assert_eq!(
            config,
            json!({
                "apiVersion": "odoo-operator.dev/v1alpha1",
                "kind": "OdooInstance",
                "metadata": {"name": "shop"},
                "spec": {
                    "replicas": 3,
                    "ingress": {"hosts": ["erp.example.com"], "tls": true},
                    "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                    "deletionPolicy": "Retain"
                }
            })
        );
    }

    #[test]
    fn keyed_list_items_carry_their_keys() {
        let fields = json!({"f:items": {"k:{\"name\":\"a\"}": {"f:value": {}}, "v:\"x\"": {}}});
        let live = json!({"items": [
            {"name": "a", "value": 1, "other": 2},
            {"name": "b", "value": 3},
            "x"
        ]});
        let Value::Object(fields) = fields else {
            panic!("object")
        };
        assert_eq!(
            extract(&fields, &live),
            json!({"items": [{"name": "a", "value": 1}, "x"]})
        );
    }

    #[test]
    fn paths_are_set_and_removed() {
        let mut v = json!({});
        set(&mut v, &["metadata", "annotations", "a"], json!("1"));
        assert_eq!(v, json!({"metadata": {"annotations": {"a": "1"}}}));
        remove(&mut v, &["metadata", "annotations", "a"]);
        assert_eq!(v, json!({}));
        remove(&mut v, &["spec", "missing"]);
        assert_eq!(v, json!({}));
    }
}
