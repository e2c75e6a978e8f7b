//! Reading one object by name, one way: the error names it as `kind/name`, and
//! a missing object is `NotFound` (exit 5) where a command needs it.

use kube::{Api, Resource};
use serde::de::DeserializeOwned;

use crate::error::CliError;

/// How the plugin names a kind in its messages: `odoo` for an instance (as
/// `kubectl get odoo` does), the lowercase kind otherwise.
pub fn kind_name<K: Resource<DynamicType = ()>>() -> String {
    let kind = K::kind(&()).to_lowercase();
    if kind == "odooinstance" {
        "odoo".into()
    } else {
        kind
    }
}

/// The object `name`, or `None` when there is none.
pub async fn read<K>(api: &Api<K>, name: &str) -> Result<Option<K>, CliError>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    let action = format!("reading {}/{name}", kind_name::<K>());
    api.get_opt(name).await.map_err(CliError::api(action))
}

/// `kind/NAME not found in namespace N` (exit 5).
pub fn not_found<K: Resource<DynamicType = ()>>(name: &str, namespace: &str) -> CliError {
    let kind = kind_name::<K>();
    CliError::NotFound(format!("{kind}/{name} not found in namespace {namespace}"))
}

/// The object `name`; a missing one is a [`not_found`] error.
pub async fn get<K>(api: &Api<K>, name: &str, namespace: &str) -> Result<K, CliError>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    read(api, name)
        .await?
        .ok_or_else(|| not_found::<K>(name, namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_kubectl_names_them() {
        assert_eq!(kind_name::<odoo_model::OdooInstance>(), "odoo");
        assert_eq!(kind_name::<odoo_model::OdooBackupJob>(), "odoobackupjob");
        let missing = not_found::<odoo_model::OdooInstance>("shop", "team-a");
        assert_eq!(
            missing.to_string(),
            "odoo/shop not found in namespace team-a"
        );
        assert_eq!(missing.exit_code(), 5);
    }
}
