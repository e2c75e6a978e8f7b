//! What each phase keeps in place. `plan` is pure and idempotent: applying its result
//! twice changes nothing.

use odoo_model::InstancePhase as P;

/// Which image the Deployments run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageChoice {
    /// `spec.image`.
    Spec,
    /// The image the web pods run now (`status.image`): an upgrade decides when the
    /// new one rolls out.
    Running,
}

/// The outputs a phase maintains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Ensure the role and database on the PostgreSQL cluster (the only phase that
    /// opens a connection).
    pub database: bool,
    /// Ensure the Secrets and the filestore volume.
    pub children: bool,
    /// Ensure the Service and the Ingress: from the first start on. Before the
    /// database has a schema nothing could serve, and a new Service waits for its
    /// cluster IP (seconds, at a thousand new instances), which would hold back the
    /// init job's pass.
    pub serving: bool,
    /// Web and cron replicas; `None` leaves the Deployments alone.
    pub workloads: Option<Workloads>,
}

/// Replicas and image of the two Deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workloads {
    pub web_replicas: i32,
    pub cron_replicas: i32,
    pub image: ImageChoice,
}

/// The plan of `phase` for an instance that wants `web` / `cron` replicas.
pub fn plan(phase: P, web: i32, cron: i32) -> Plan {
    let serving = |image| {
        Some(Workloads {
            web_replicas: web,
            cron_replicas: cron,
            image,
        })
    };
    let down = Some(Workloads {
        web_replicas: 0,
        cron_replicas: 0,
        image: ImageChoice::Running,
    });
    match phase {
        // A permanent error touches nothing: the last good state keeps serving.
        P::Error => Plan {
            database: false,
            children: false,
            serving: false,
            workloads: None,
        },
        P::Provisioning => Plan {
            database: true,
            children: true,
            serving: false,
            workloads: None,
        },
        // No Odoo schema yet: nothing could serve.
        P::Uninitialized | P::Initializing | P::InitFailed => Plan {
            database: false,
            children: true,
            serving: false,
            workloads: down,
        },
        P::Starting | P::Running | P::Degraded | P::BackingUp => Plan {
            database: false,
            children: true,
            serving: true,
            workloads: serving(ImageChoice::Spec),
        },
        // The old image keeps serving; cron is held at zero so the upgrade does not
        // fight cron workers for locks on ir_module_module.
        P::Upgrading => Plan {
            database: false,
            children: true,
            serving: true,
            workloads: Some(Workloads {
                web_replicas: web,
                cron_replicas: 0,
                image: ImageChoice::Running,
            }),
        },
        P::UpgradeFailed => Plan {
            database: false,
            children: true,
            serving: true,
            workloads: serving(ImageChoice::Running),
        },
        P::Stopped | P::Restoring | P::Migrating => Plan {
            database: false,
            children: true,
            serving: true,
            workloads: down,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_provisioning_touches_postgres() {
        for phase in P::ALL {
            assert_eq!(
                plan(phase, 2, 1).database,
                phase == P::Provisioning,
                "{phase:?}"
            );
        }
    }

    #[test]
    fn cron_is_down_whenever_the_database_is_being_changed() {
        for phase in [
            P::Upgrading,
            P::Restoring,
            P::Migrating,
            P::Stopped,
            P::Initializing,
        ] {
            let w = plan(phase, 2, 1).workloads.expect("workloads managed");
            assert_eq!(w.cron_replicas, 0, "{phase:?}");
        }
        assert_eq!(
            plan(P::Running, 2, 1)
                .workloads
                .map(|w| (w.web_replicas, w.cron_replicas)),
            Some((2, 1))
        );
    }

    #[test]
    fn the_service_is_made_from_the_first_start_on() {
        let before = [
            P::Error,
            P::Provisioning,
            P::Uninitialized,
            P::Initializing,
            P::InitFailed,
        ];
        for phase in P::ALL {
            assert_eq!(
                plan(phase, 2, 1).serving,
                !before.contains(&phase),
                "{phase:?}"
            );
        }
    }

    #[test]
    fn a_failed_upgrade_keeps_the_old_image() {
        assert_eq!(
            plan(P::UpgradeFailed, 2, 1).workloads.map(|w| w.image),
            Some(ImageChoice::Running)
        );
        assert_eq!(
            plan(P::Running, 2, 1).workloads.map(|w| w.image),
            Some(ImageChoice::Spec)
        );
    }
}
