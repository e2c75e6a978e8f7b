//! The flags of `create` and the object they describe.

use std::path::PathBuf;

use odoo_model::instance::{DeletionPolicy, Environment, IngressSpec, MAX_HOSTS, MAX_MODULES};
use odoo_model::{OdooInstance, OdooInstanceSpec};

use crate::commands::wait::WaitArgs;
use crate::commands::write::{WriteFlags, WriteHelp};
use crate::error::CliError;
use crate::limits;

/// Flags of `create`.
#[derive(clap::Args, Debug)]
#[command(
    write_help(
        "none: create it; client: print it without sending; server: have the API server validate and default it without storing it",
        "Output format of the created object (name by default)"
    ),
    wait_flags_last()
)]
pub struct CreateArgs {
    /// Name of the instance (optional with -f when the file names it).
    pub name: Option<String>,
    /// Read the OdooInstance from this YAML or JSON file ("-" for stdin); flags given
    /// as well override the file.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Odoo image, pinned to a tag or digest (default: the operator's).
    #[arg(long)]
    pub image: Option<String>,
    /// Web pods.
    #[arg(long, allow_negative_numbers = true, value_parser = limits::replicas())]
    pub replicas: Option<i32>,
    /// Cron pods (0 disables scheduled actions).
    #[arg(long, allow_negative_numbers = true, value_parser = limits::cron_replicas())]
    pub cron_replicas: Option<i32>,
    /// Host name routed to the instance; repeat for several.
    #[arg(long = "host", value_name = "HOST", value_parser = limits::host)]
    pub hosts: Vec<String>,
    /// Filestore volume size, e.g. 10Gi (default: the operator's).
    #[arg(long, value_parser = limits::storage_size)]
    pub storage_size: Option<String>,
    /// Filestore StorageClass (default: the operator's).
    #[arg(long)]
    pub storage_class: Option<String>,
    /// PostgreSQL cluster from the operator's pg-clusters Secret (default: the
    /// cluster marked default).
    #[arg(long, value_parser = limits::cluster)]
    pub cluster: Option<String>,
    /// Modules installed at initialization, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = limits::module)]
    pub modules: Vec<String>,
    /// Load demo data at initialization.
    #[arg(long)]
    pub demo: bool,
    /// What deletion does to the database and volume.
    #[arg(long, value_enum)]
    pub deletion_policy: Option<DeletionPolicyArg>,
    /// The kind of environment.
    #[arg(long, value_enum)]
    pub environment: Option<EnvironmentArg>,
    #[command(flatten)]
    pub write: WriteFlags,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum DeletionPolicyArg {
    Retain,
    Delete,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum EnvironmentArg {
    Production,
    Staging,
    Development,
}

/// The spec's documented defaults (one web replica, init and automatic upgrades
/// on), as the API server would fill them: the derived `Default` would say zero
/// replicas, and an apply sends every field it has.
fn spec_defaults() -> OdooInstanceSpec {
    serde_json::from_value(serde_json::json!({})).unwrap_or_default()
}

/// The object the flags (and file) describe. Pure, so it is unit-tested.
pub fn build(args: &CreateArgs, from_file: Option<OdooInstance>) -> Result<OdooInstance, CliError> {
    let mut instance = match from_file {
        Some(instance) => instance,
        None => OdooInstance::new("", spec_defaults()),
    };
    match (&args.name, instance.metadata.name.as_deref()) {
        (Some(name), _) => instance.metadata.name = Some(name.clone()),
        (None, Some(n)) if !n.is_empty() => {}
        _ => {
            return Err(CliError::Usage(
                "a name is required: kubectl odoo create NAME".into(),
            ));
        }
    }
    // The API server refuses it too; saying so here sends nothing.
    if let Some(problem) =
        odoo_model::names::instance_name_problem(instance.metadata.name.as_deref().unwrap_or(""))
    {
        return Err(CliError::Usage(problem));
    }
    limits::at_most("--host", &args.hosts, MAX_HOSTS)?;
    limits::at_most("--modules", &args.modules, MAX_MODULES)?;
    let spec = &mut instance.spec;
    if args.image.is_some() {
        spec.image.clone_from(&args.image);
    }
    if let Some(r) = args.replicas {
        spec.replicas = r;
    }
    if let Some(r) = args.cron_replicas {
        spec.cron.replicas = r;
    }
    if !args.hosts.is_empty() {
        let ingress = spec.ingress.get_or_insert_with(|| IngressSpec {
            tls: true,
            ..Default::default()
        });
        ingress.hosts.clone_from(&args.hosts);
    }
    if args.storage_size.is_some() {
        spec.filestore.storage_size.clone_from(&args.storage_size);
    }
    if args.storage_class.is_some() {
        spec.filestore.storage_class.clone_from(&args.storage_class);
    }
    if args.cluster.is_some() {
        spec.database.cluster.clone_from(&args.cluster);
    }
    if !args.modules.is_empty() {
        spec.init.modules.clone_from(&args.modules);
    }
    if args.demo {
        spec.init.demo = true;
    }
    if let Some(p) = args.deletion_policy {
        spec.deletion_policy = match p {
            DeletionPolicyArg::Retain => DeletionPolicy::Retain,
            DeletionPolicyArg::Delete => DeletionPolicy::Delete,
        };
    }
    if let Some(e) = args.environment {
        spec.environment = match e {
            EnvironmentArg::Production => Environment::Production,
            EnvironmentArg::Staging => Environment::Staging,
            EnvironmentArg::Development => Environment::Development,
        };
    }
    Ok(instance)
}

#[cfg(test)]
mod tests {
    use crate::commands::test_flags;

    #[test]
    fn a_bare_create_asks_for_one_web_replica_and_initialization() {
        let args = test_flags::flags::<CreateArgs>("shop --image odoo:18.0");
        let i = build(&args, None).expect("built");
        assert_eq!(i.spec.replicas, 1);
        assert!(i.spec.init.enabled);
        assert!(i.spec.auto_upgrade.enabled);
    }

    use super::*;

    #[test]
    fn flags_become_the_spec() {
        let line =
            "shop --image odoo:18.0 --replicas 3 --host erp.example.com --modules sale,stock";
        let i = build(&test_flags::flags(line), None).expect("valid");
        assert_eq!(i.metadata.name.as_deref(), Some("shop"));
        assert_eq!(i.spec.image.as_deref(), Some("odoo:18.0"));
        assert_eq!(i.spec.replicas, 3);
        assert_eq!(
            i.spec.ingress.map(|i| i.hosts),
            Some(vec!["erp.example.com".to_owned()])
        );
        assert_eq!(i.spec.init.modules, ["sale", "stock"]);
    }

    #[test]
    fn a_name_is_required() {
        let err = build(&test_flags::flags(""), None).expect_err("no name");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn flags_override_the_file() {
        let file: OdooInstance = serde_norway::from_str(
            "apiVersion: odoo-operator.dev/v1alpha1\nkind: OdooInstance\nmetadata: {name: fromfile}\nspec: {replicas: 2}\n",
        )
        .expect("valid yaml");
        let i = build(&test_flags::flags("--replicas 4"), Some(file)).expect("valid");
        assert_eq!(i.metadata.name.as_deref(), Some("fromfile"));
        assert_eq!(i.spec.replicas, 4);
    }

    /// What the API server would refuse is refused before anything is sent, with
    /// the CRD schema's own limits (a client-side dry run printed it before).
    #[test]
    fn values_the_schema_refuses_are_usage_errors() {
        let line =
            "shop --replicas 100 --cron-replicas 0 --storage-size 1.5Ti --host *.example.com";
        let i = build(&test_flags::flags(line), None).expect("valid");
        assert_eq!((i.spec.replicas, i.spec.cron.replicas), (100, 0));
        assert_eq!(i.spec.filestore.storage_size.as_deref(), Some("1.5Ti"));
        let refused = test_flags::refused::<CreateArgs>;
        assert!(refused("shop --replicas=-1").contains("-1 is not in 0..=100"));
        assert!(refused("shop --cron-replicas 11").contains("11 is not in 0..=10"));
        assert!(refused("shop --storage-size abc").contains("not a positive size"));
        assert!(refused("shop --host a.example --host Bad_Host").contains("not a host name"));
        assert!(refused("shop --modules sale,Stock").contains("not a module's technical name"));
        assert!(refused("shop --cluster EU").contains("not a cluster's name"));
        // Lists: at most the schema's 32 hosts and 200 modules.
        let hosts: String = (0..33).map(|n| format!(" --host h{n}.example")).collect();
        let too_many = build(&test_flags::flags(&format!("shop{hosts}")), None);
        assert!(
            matches!(&too_many, Err(CliError::Usage(why)) if why == "--host takes at most 32 values, got 33"),
            "{too_many:?}"
        );
        let modules = (0..201)
            .map(|n| format!("m{n}"))
            .collect::<Vec<_>>()
            .join(",");
        let too_many = build(
            &test_flags::flags(&format!("shop --modules {modules}")),
            None,
        );
        assert!(
            matches!(&too_many, Err(CliError::Usage(why)) if why == "--modules takes at most 200 values, got 201"),
            "{too_many:?}"
        );
    }
}
