//! `OdooInitJob`: one-shot database initialization (`odoo --init`).

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::common::{InstanceRef, JobStatusCommon};
use crate::instance::{MAX_MODULES, MODULE};

/// Installs modules into an instance's fresh database.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[kube(
    group = "odoo-operator.dev",
    version = "v1alpha1",
    kind = "OdooInitJob",
    namespaced,
    shortname = "odooinit",
    category = "odoo-all",
    status = "OdooInitJobStatus",
    doc = "Initializes an Odoo instance's database: `odoo --init <modules> --stop-after-init`.",
    printcolumn(
        name = "Instance",
        type_ = "string",
        json_path = ".spec.instanceRef.name",
        description = "The instance initialized"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Where the job stands"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self == oldSelf").message("an OdooInitJob's spec is immutable; create a new one instead"))]
pub struct OdooInitJobSpec {
    /// The instance whose database is initialized.
    pub instance_ref: InstanceRef,
    /// Modules to install.
    #[serde(default = "default_modules")]
    #[schemars(
        length(min = 1, max = MAX_MODULES),
        inner(
            length(min = MODULE.min, max = MODULE.max),
            regex(pattern = MODULE.pattern)
        )
    )]
    pub modules: Vec<String>,
    /// Load demo data (only where the Odoo version supports the flag).
    #[serde(default)]
    pub demo: bool,
    /// Language installed at initialization, for example `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z]{2,3}(_[A-Z][A-Za-z]+)?(@[a-z]+)?$"))]
    pub language: Option<String>,
}

fn default_modules() -> Vec<String> {
    vec!["base".into()]
}

/// Observed state of an init job.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OdooInitJobStatus {
    /// Phase, conditions and timing.
    #[serde(flatten)]
    pub job: JobStatusCommon,
}
