//! The plan, its confirmation, and the restore job (with the new instance of
//! `--into`).

use kube::ResourceExt;
use kube::api::Api;
use odoo_model::Location;
use odoo_model::OdooInstance;

use crate::commands::restore::args::{ModeArg, RestoreArgs, build, copy_instance};
use crate::commands::restore::source::{Source, resolve_source, uploaded};
use crate::commands::write::{DryRun, apply, submit};
use crate::confirm::confirm_plan;
use crate::ctx::LazyCtx;
use crate::error::CliError;
use crate::output::Printer;

/// What the restore will do, in words: shown, and confirmed unless unattended. Pure.
pub fn plan(args: &RestoreArgs, source: &Source, instance: &OdooInstance, ns: &str) -> String {
    let source_text = match source {
        Source::Ready(_, what, _) => what.clone(),
        Source::Upload { bucket, key, file } => format!(
            "{} (uploaded first to {})",
            file.display(),
            Location::s3(&bucket.bucket, key)
        ),
    };
    let target_text = match &args.into {
        Some(into) => format!(
            "a new instance odoo/{into} with odoo/{}'s spec (no initialization, no ingress hosts)",
            args.name
        ),
        None => {
            let status = instance.status.clone().unwrap_or_default();
            format!(
                "odoo/{} in namespace {ns}: its database {} on cluster {} ⇒ replaced by the restored one",
                args.name,
                status
                    .database
                    .unwrap_or_else(|| odoo_model::names::default_database(ns, &args.name)),
                instance
                    .spec
                    .database
                    .cluster
                    .clone()
                    .unwrap_or_else(|| "default".into())
            )
        }
    };
    format!(
        "Restore plan:\n  from:      {source_text}\n  into:      {target_text}\n  previous:  {}\n  mode:      {}\n  neutralize: {}",
        if args.drop_previous {
            "dropped after the switch"
        } else {
            "kept under a dated name"
        },
        match args.mode {
            ModeArg::Copy => "copy (new database identity)",
            ModeArg::Move => "move (identity kept)",
        },
        // `--into` copies the source's spec, environment included.
        match (args.neutralize, instance.spec.environment) {
            (true, _) => "yes".to_owned(),
            (false, odoo_model::instance::Environment::Production) => "no".to_owned(),
            (false, env) => format!("yes (the instance is {env:?}: its restores always are)"),
        }
    )
}

pub async fn run(ctx: &LazyCtx, args: RestoreArgs, printer: &Printer) -> Result<(), CliError> {
    let ctx = ctx.get().await?;
    let ns = ctx.namespace.clone();
    let now = k8s_openapi::jiff::Timestamp::now();
    let instances: Api<OdooInstance> = Api::namespaced(ctx.client.clone(), &ns);
    let source_instance = crate::read::get(&instances, &args.name, &ns).await?;
    let target = args.into.clone().unwrap_or_else(|| args.name.clone());
    if let Some(into) = &args.into
        && instances
            .get_opt(into)
            .await
            .map_err(CliError::api(format!("reading odoo/{into}")))?
            .is_some()
    {
        return Err(CliError::Precondition(format!(
            "odoo/{into} already exists; restore into it with kubectl odoo restore {into} …, or pick a new name"
        )));
    }
    let source = resolve_source(ctx, &args, &target, now, printer).await?;

    let plan = plan(&args, &source, &source_instance, &ns);
    // A dry run changes nothing, and a restore into a new instance replaces nothing.
    let replaces = args.dry_run == DryRun::None && args.into.is_none();
    // Unattended runs say what they restore too: the plan is the CI log's record of
    // which archive replaced the database.
    if replaces && args.yes {
        printer.note(&plan);
    }
    confirm_plan(
        printer,
        args.yes,
        replaces,
        &plan,
        &args.name,
        &format!("restoring replaces the database of odoo/{}", args.name),
    )
    .await?;

    let (restore_source, sha256) = uploaded(ctx, printer, source, args.dry_run).await?;
    let restore = build(&args, &target, restore_source, sha256, now);
    if let Some(into) = &args.into
        && args.dry_run != DryRun::Client
    {
        let mut copy = copy_instance(&source_instance, into);
        copy.metadata.namespace = Some(ns.clone());
        let created = apply(&ctx.client, &ns, &copy, args.dry_run).await?;
        if args.dry_run == DryRun::None {
            printer.note(&format!("odoo/{} created", created.name_any()));
        }
    }
    submit(
        ctx,
        printer,
        restore,
        args.dry_run,
        args.wait.then_some(args.timeout),
    )
    .await
}

#[cfg(test)]
mod tests {
    use crate::commands::test_flags;
    use odoo_model::restore_job::{PreviousDatabase, RestoreMode, RestoreSource};

    use super::*;
    use crate::commands::restore::source::upload_key;

    #[test]
    fn exactly_one_source_is_required() {
        for (line, accepted) in [
            ("shop", false),
            ("shop --from-backup b --latest-of x", false),
            ("shop --latest-of x", true),
            // The bucket's index: --from-s3 with --latest-of, and nothing else paired.
            ("shop --from-s3 s3://b --latest-of t/x", true),
            ("shop --from-file f.zip --from-s3 s3://b/k", false),
            ("shop --from-backup b --from-s3 s3://b/k", false),
        ] {
            let parsed = test_flags::parse::<RestoreArgs>(line);
            assert_eq!(parsed.is_ok(), accepted, "{line}");
        }
    }

    #[test]
    fn the_plan_names_source_target_and_neutralization() {
        let args = test_flags::flags::<RestoreArgs>("shop --from-backup b1");
        let mut instance = OdooInstance::new("shop", Default::default());
        instance.spec.environment = odoo_model::instance::Environment::Staging;
        let source = Source::Ready(
            RestoreSource::default(),
            "odoobackupjob/b1 (…)".into(),
            None,
        );
        let plan = plan(&args, &source, &instance, "team");
        assert!(plan.contains("from:      odoobackupjob/b1 (…)"), "{plan}");
        assert!(
            plan.contains("odoo/shop in namespace team: its database team_shop"),
            "{plan}"
        );
        assert!(plan.contains("yes (the instance is Staging"), "{plan}");
    }

    #[test]
    fn flags_become_the_job_and_uploads_get_a_dated_key() {
        let args = test_flags::flags::<RestoreArgs>(
            "shop --from-backup shop-backup-1 --neutralize --mode move --drop-previous",
        );
        let now: k8s_openapi::jiff::Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let source = RestoreSource {
            backup_job: Some("shop-backup-1".into()),
            ..Default::default()
        };
        let job = build(&args, "shop", source, None, now);
        assert_eq!(job.name_any(), "shop-restore-20261125100000");
        assert!(job.spec.neutralize);
        assert_eq!(job.spec.mode, RestoreMode::Move);
        assert_eq!(job.spec.previous_database, PreviousDatabase::Drop);
        assert_eq!(
            upload_key(
                "team",
                "shop",
                std::path::Path::new("/tmp/My.zip"),
                "20261125T100000Z"
            ),
            "uploads/team/shop/20261125T100000Z-My.zip"
        );
    }
}
