//! The Secret holding odoo.conf: the only object that carries the passwords.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use odoo_model::names;

use super::meta::object_meta;
use super::{CONFIG_FILE, component};
use crate::validate::ValidInstance;

/// The config Secret for an already rendered `conf` (see [`super::odoo_conf::render`]),
/// so the hash on the pods and the file they read come from the same string.
pub fn config_secret(v: &ValidInstance, conf: &str) -> Secret {
    Secret {
        metadata: object_meta(v, names::config_secret(&v.name), component::CONFIG),
        // `data`, not `stringData`: the API server never stores stringData, so
        // server-side apply would see a difference on every reconcile.
        data: Some(BTreeMap::from([(
            CONFIG_FILE.to_owned(),
            ByteString(conf.as_bytes().to_vec()),
        )])),
        type_: Some("Opaque".into()),
        ..Secret::default()
    }
}

/// A generated password in Secret `name` (key `password`), created once and never
/// overwritten: the password lives only there.
pub fn password_secret(v: &ValidInstance, name: &str, password: &str) -> Secret {
    Secret {
        metadata: object_meta(v, name.to_owned(), "credentials"),
        data: Some(BTreeMap::from([(
            "password".to_owned(),
            ByteString(password.as_bytes().to_vec()),
        )])),
        type_: Some("Opaque".into()),
        ..Secret::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{odoo_conf, sample};

    #[test]
    fn holds_the_rendered_file_and_is_owned() {
        let v = sample();
        let conf = odoo_conf::render(&v, "db-secret", "master-secret");
        let secret = config_secret(&v, &conf);
        assert_eq!(secret.metadata.name.as_deref(), Some("shop-config"));
        assert_eq!(secret.type_.as_deref(), Some("Opaque"));
        assert!(secret.metadata.owner_references.is_some());
        let data = secret.data.expect("data");
        assert_eq!(
            data.get("odoo.conf").map(|b| b.0.as_slice()),
            Some(conf.as_bytes())
        );
        assert!(secret.string_data.is_none());
    }
}
