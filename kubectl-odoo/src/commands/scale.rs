//! `kubectl odoo scale NAME --replicas N [--cron-replicas M]`: set the web and cron
//! pod counts, each from 0 to the CRD schema's maximum.

use kube::api::Api;
use odoo_model::OdooInstance;
use serde_json::Value;

use crate::commands::change;
use crate::commands::power::REPLICAS_BEFORE_STOP;
use crate::commands::wait::{self, WaitArgs};
use crate::commands::write::{WriteFlags, WriteHelp};
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::limits;
use crate::output::Printer;

/// Flags of `scale`.
#[derive(clap::Args, Debug)]
#[command(group(
    clap::ArgGroup::new("counts")
        .args(["replicas", "cron_replicas"])
        .required(true)
        .multiple(true)
))]
#[command(
    write_help(
        "none: scale it; client: print the change without sending it; server: have the API server validate the change without storing it",
        "Output format of the changed object (table: `odoo/NAME scaled`)"
    ),
    wait_flags_last()
)]
pub struct ScaleArgs {
    /// Name of the instance.
    pub name: String,
    /// Web pods (0 stops the instance, cron included).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = limits::replicas())]
    pub replicas: Option<i32>,
    /// Cron pods (0 disables scheduled actions).
    #[arg(long, value_name = "M", allow_negative_numbers = true, value_parser = limits::cron_replicas())]
    pub cron_replicas: Option<i32>,
    #[command(flatten)]
    pub write: WriteFlags,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// The apply request that scales `instance`. Pure, so it is unit-tested.
pub fn plan(instance: &OdooInstance, replicas: Option<i32>, cron_replicas: Option<i32>) -> Value {
    let mut body = change::applied_config(instance);
    if let Some(n) = replicas {
        change::set(&mut body, &["spec", "replicas"], Value::from(n));
        if n > 0 {
            // Running again: what stop remembered is stale.
            change::remove(
                &mut body,
                &["metadata", "annotations", REPLICAS_BEFORE_STOP],
            );
        }
    }
    if let Some(n) = cron_replicas {
        change::set(&mut body, &["spec", "cron", "replicas"], Value::from(n));
    }
    body
}

pub async fn run(ctx: &LazyCtx, args: ScaleArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let api: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let name = &args.name;
    let ((), written) = change::apply(&api, &ctx.namespace, name, args.write.dry_run, |i| {
        Ok(((), Some(plan(i, args.replicas, args.cron_replicas))))
    })
    .await?;
    change::print(
        printer,
        name,
        &written,
        &change::verb("scaled", args.write.dry_run),
    )?;
    if args.replicas == Some(0) {
        printer.note(&format!(
            "With 0 web replicas the operator stops cron too; `kubectl odoo stop {name}` would also remember the count for `kubectl odoo start`."
        ));
    }
    let replicas = match &written {
        change::Written::Applied(i) | change::Written::Unchanged(i) => i.spec.replicas,
        change::Written::Preview(_) => args.replicas.unwrap_or(1),
    };
    wait::after_write(
        ctx,
        printer,
        &args.wait,
        args.write.dry_run,
        name,
        &wait::target_for(replicas),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::change::tests::created_by_plugin;
    use crate::commands::test_flags;
    use serde_json::json;

    #[test]
    fn counts_beyond_the_schema_are_usage_errors() {
        let args = test_flags::flags::<ScaleArgs>("shop --replicas 100 --cron-replicas 10");
        assert_eq!((args.replicas, args.cron_replicas), (Some(100), Some(10)));
        let refused = test_flags::refused::<ScaleArgs>;
        assert!(refused("shop --replicas -1").contains("-1 is not in 0..=100"));
        assert!(refused("shop --replicas 1000").contains("1000 is not in 0..=100"));
        assert!(refused("shop --cron-replicas=-3").contains("-3 is not in 0..=10"));
    }

    #[test]
    fn only_the_given_counts_change() {
        let body = plan(&created_by_plugin(3), None, Some(0));
        assert_eq!(body["spec"]["cron"], json!({"replicas": 0}));
        // Replicas stay as the plugin applied them.
        assert_eq!(body["spec"]["replicas"], json!(3));
        let body = plan(&created_by_plugin(3), Some(5), None);
        assert_eq!(body["spec"]["replicas"], json!(5));
        assert!(body["spec"].get("cron").is_none());
    }

    #[test]
    fn scaling_up_forgets_the_stop_annotation() {
        let mut stopped = created_by_plugin(0);
        stopped
            .metadata
            .annotations
            .get_or_insert_default()
            .insert(REPLICAS_BEFORE_STOP.into(), "3".into());
        // Pretend stop applied it, so the plugin owns it.
        if let Some(entry) = stopped
            .metadata
            .managed_fields
            .as_mut()
            .and_then(|m| m.first_mut())
            && let Some(f) = entry.fields_v1.as_mut()
        {
            f.0["f:metadata"] = json!({"f:annotations": {format!("f:{REPLICAS_BEFORE_STOP}"): {}}});
        }
        let kept = plan(&stopped, None, Some(1));
        assert_eq!(
            kept["metadata"]["annotations"][REPLICAS_BEFORE_STOP],
            json!("3")
        );
        let dropped = plan(&stopped, Some(2), None);
        assert!(dropped["metadata"].get("annotations").is_none());
    }
}
