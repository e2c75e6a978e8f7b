//! Odoo's own runs on a restore's loaded database, before it is switched in (the
//! pure half of the Opening step): which runs, their arguments and their Jobs.

use k8s_openapi::api::batch::v1::Job;
use kube::ResourceExt;
use odoo_model::OdooRestoreJob;

use crate::validate::ValidInstance;

/// Whether `image`'s Odoo neutralizes a database itself (`odoo neutralize`, which
/// runs every installed module's `data/neutralize.sql`; Odoo 16.0 on). Older
/// images, and images whose tag names no series, get the operator's statements
/// ([`crate::pg::restore::preparation_sql`]) instead: Odoo before 16.0 has no
/// such command and would take the word for a server's argument.
pub fn odoo_neutralizes(image: &str) -> bool {
    odoo_model::OdooVersion::of_image(image).is_some_and(|v| v.major >= 16)
}

/// Whether the restore neutralizes: when it asks to, and always into a Staging or
/// Development instance (a copy of production there must not mail customers, run
/// their scheduled actions or charge them).
pub fn neutralizes(job: &OdooRestoreJob, v: &ValidInstance) -> bool {
    job.spec.neutralize || v.environment != odoo_model::instance::Environment::Production
}

/// What Odoo does with the loaded database before it is switched in, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OdooRun {
    /// `odoo neutralize`: Odoo's own neutralization, committed.
    Neutralize,
    /// `odoo shell` with nothing to run: the registry loads (no module is
    /// updated), the superuser's context is read from `res.users`, and the
    /// transaction is rolled back. Odoo exits non-zero when it cannot.
    Open,
}

impl OdooRun {
    /// The runs a restore makes, in order, with `image` (the instance's);
    /// `neutralize` from [`neutralizes`].
    pub fn of(neutralize: bool, image: &str) -> Vec<OdooRun> {
        let neutralize = neutralize && odoo_neutralizes(image);
        neutralize
            .then_some(OdooRun::Neutralize)
            .into_iter()
            .chain([OdooRun::Open])
            .collect()
    }

    pub fn job_name(self, job: &OdooRestoreJob) -> String {
        let what = match self {
            OdooRun::Neutralize => "neutralize",
            OdooRun::Open => "open",
        };
        format!("{}-{what}", job.name_any())
    }

    /// The `odoo` arguments on `database`. `--no-http`: an odoo.conf with
    /// workers would otherwise bind the server's port.
    pub fn args(self, database: &str) -> Vec<String> {
        let command = match self {
            OdooRun::Neutralize => "neutralize",
            OdooRun::Open => "shell",
        };
        vec![
            command.into(),
            crate::build::pod::config_flag(),
            format!("--database={database}"),
            "--no-http".into(),
        ]
    }

    /// Its Job: the instance's Odoo container on the temporary database.
    pub fn job(self, job: &OdooRestoreJob, v: &ValidInstance, temporary: &str) -> Job {
        let image = &v.images.database;
        crate::runtime::batch::odoo_job(
            job,
            self.job_name(job),
            v,
            image,
            "restore",
            self.args(temporary),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odoo_opens_every_restore_and_neutralizes_it_itself_from_16() {
        let job = |neutralize: bool| -> OdooRestoreJob {
            serde_json::from_value(serde_json::json!({
                "apiVersion": "odoo-operator.dev/v1alpha1", "kind": "OdooRestoreJob",
                "metadata": { "name": "r", "namespace": "team-a", "uid": "uid-r" },
                "spec": { "instanceRef": { "name": "shop" }, "neutralize": neutralize,
                    "source": { "pvc": { "claimName": "uploads", "path": "k.zip" } } },
            }))
            .expect("a restore job")
        };
        use OdooRun::{Neutralize, Open};
        assert_eq!(OdooRun::of(job(false).spec.neutralize, "odoo:18.0"), [Open]);
        assert_eq!(
            OdooRun::of(job(true).spec.neutralize, "odoo:18.0"),
            [Neutralize, Open]
        );
        assert_eq!(
            OdooRun::of(job(true).spec.neutralize, "odoo:16.0-20240101"),
            [Neutralize, Open]
        );
        // Older, or no series in the tag: the operator's statements neutralize.
        assert_eq!(OdooRun::of(job(true).spec.neutralize, "odoo:15.0"), [Open]);
        assert_eq!(
            OdooRun::of(job(true).spec.neutralize, "registry.example/odoo:prod"),
            [Open]
        );
        assert_eq!(
            Neutralize.args("shop_restoring_x"),
            [
                "neutralize",
                "--config=/etc/odoo/odoo.conf",
                "--database=shop_restoring_x",
                "--no-http"
            ]
        );
        assert_eq!(Open.args("t")[0], "shell");
        let mut v = crate::build::sample();
        // A Staging instance's restores are neutralized whatever the job asks.
        assert!(!neutralizes(&job(false), &v));
        assert!(neutralizes(&job(true), &v));
        v.environment = odoo_model::instance::Environment::Staging;
        assert!(neutralizes(&job(false), &v));
        let built = Open.job(&job(true), &v, "t");
        assert_eq!(built.metadata.name.as_deref(), Some("r-open"));
        let container = &built
            .spec
            .expect("spec")
            .template
            .spec
            .expect("pod")
            .containers[0];
        assert_eq!(container.command.as_deref(), Some(&["odoo".to_owned()][..]));
        assert_eq!(container.image.as_deref(), Some(v.images.database.as_str()));
    }
}
