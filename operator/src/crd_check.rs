//! Start-up check that every CRD this build knows is installed and Established.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{Api, Client, ResourceExt};

/// Why the CRDs are not usable.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    #[error("reading CRD {name}: {source}")]
    Get { name: String, source: kube::Error },
    #[error("CRD {name} is not installed; install the chart's CRDs (charts/odoo-operator/crds)")]
    Missing { name: String },
    #[error("CRD {name} is not Established yet")]
    NotEstablished { name: String },
}

/// True when the CRD has condition `Established=True`.
pub fn is_established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        })
}

/// Checks every CRD of the model.
pub async fn check(client: &Client) -> Result<(), CrdError> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for wanted in odoo_model::crds::all() {
        let name = wanted.name_any();
        let found = api.get_opt(&name).await.map_err(|source| CrdError::Get {
            name: name.clone(),
            source,
        })?;
        match found {
            None => return Err(CrdError::Missing { name }),
            Some(crd) if !is_established(&crd) => return Err(CrdError::NotEstablished { name }),
            Some(_) => {}
        }
    }
    Ok(())
}
