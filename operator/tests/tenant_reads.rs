//! The operator's reads of a tenant database, against a real PostgreSQL server, with
//! the traps a tenant can set in a database it owns: a trojan `ir_module_module`
//! view over a function, functions that shadow built-ins through a `search_path` set
//! on the database, and a row-security policy whose function has a side effect. Each
//! trap tries to make the tenant's role a superuser when it runs with a superuser's
//! rights. The operator reads as the tenant's own role, so none of them can succeed;
//! the trojan view is refused by name.

use odoo_operator::pg::{self, PgCluster, TenantLogin};
use odoo_tests::postgres::shared_postgres;

fn main_cluster() -> PgCluster {
    let pg = shared_postgres();
    let clusters = pg::clusters::parse(&pg.cluster_yaml("main", "127.0.0.1", true, "disable"))
        .expect("the harness writes a valid clusters.yaml");
    clusters.default_cluster().expect("one default").1.clone()
}

async fn sql_as(cluster: &PgCluster, user: &str, password: &str, db: &str, sql: &str) {
    let mut as_user = cluster.clone();
    as_user.admin_user = user.into();
    as_user.admin_password = password.into();
    pg::connect(&as_user, db)
        .await
        .expect("connecting")
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

async fn is_superuser(cluster: &PgCluster, role: &str) -> bool {
    pg::connect(cluster, &cluster.admin_database)
        .await
        .expect("connecting")
        .query_one("SELECT rolsuper FROM pg_roles WHERE rolname = $1", &[&role])
        .await
        .expect("the role")
        .get(0)
}

/// A provisioned tenant whose database holds `setup`, run as the tenant.
async fn tenant(name: &str, setup: &str) -> (PgCluster, TenantLogin, String) {
    let cluster = main_cluster();
    let role = format!("odoo_{name}");
    let password = pg::generate_password();
    let owner = pg::Owner {
        role: role.clone(),
        uid: format!("uid-{name}"),
    };
    pg::ensure_role_and_database(&cluster, &owner, &password, name)
        .await
        .expect("provisioning");
    let escalate = format!(
        "IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE {role} SUPERUSER'; END IF;"
    );
    sql_as(
        &cluster,
        &role,
        &password,
        name,
        &setup.replace("{escalate}", &escalate),
    )
    .await;
    (cluster, TenantLogin { role, password }, name.to_owned())
}

#[tokio::test]
async fn a_trojan_module_view_is_refused_and_never_runs_as_admin() {
    let (cluster, login, db) = tenant(
        "trojan_view",
        "CREATE FUNCTION trojan() RETURNS TABLE(name varchar, state varchar, latest_version varchar) \
         LANGUAGE plpgsql AS $$ BEGIN {escalate} \
         RETURN QUERY SELECT 'base'::varchar, 'installed'::varchar, '17.0.1.3'::varchar; END $$;
         CREATE VIEW ir_module_module AS SELECT * FROM trojan();",
    )
    .await;
    let err = pg::compare::modules(&cluster, &login, &db, None)
        .await
        .expect_err("a view is not Odoo's table");
    assert!(err.to_string().contains("is a view, not a table"), "{err}");
    let err = pg::has_odoo_schema(&cluster, &login, &db)
        .await
        .expect_err("a view is not Odoo's table");
    assert!(err.to_string().contains("a view"), "{err}");
    // The inventory counts tables only; the view is not one of them.
    let inventory = pg::compare::inventory(&cluster, &login, &db)
        .await
        .expect("inventory");
    assert!(!inventory.tables.contains_key("public.ir_module_module"));
    assert!(!is_superuser(&cluster, &login.role).await);
}

#[tokio::test]
async fn built_ins_shadowed_through_the_database_search_path_are_not_called() {
    let (cluster, login, db) = tenant(
        "shadowed",
        "CREATE SCHEMA evil;
         CREATE FUNCTION evil.count(anyelement) RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN {escalate} RETURN 42; END $$;
         CREATE FUNCTION evil.max(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN {escalate} RETURN '99.0'; END $$;
         CREATE FUNCTION evil.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $$ BEGIN {escalate} RETURN NULL; END $$;
         CREATE TABLE ir_module_module (id serial, name varchar, state varchar, latest_version varchar);
         INSERT INTO ir_module_module (name, state, latest_version) VALUES ('base', 'installed', '17.0.1.3');
         DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, public', current_database()); END $$;",
    )
    .await;
    let modules = pg::compare::modules(&cluster, &login, &db, None)
        .await
        .expect("modules")
        .expect("an Odoo database");
    assert_eq!(modules.base.as_deref(), Some("17.0.1.3"));
    let inventory = pg::compare::inventory(&cluster, &login, &db)
        .await
        .expect("inventory");
    assert_eq!(inventory.tables.get("public.ir_module_module"), Some(&1));
    assert!(
        pg::has_odoo_schema(&cluster, &login, &db)
            .await
            .expect("schema")
    );
    assert!(!is_superuser(&cluster, &login.role).await);
}

#[tokio::test]
async fn a_row_security_policy_neither_runs_as_admin_nor_hides_rows() {
    let (cluster, login, db) = tenant(
        "policy",
        "CREATE FUNCTION spy() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN {escalate} RETURN false; END $$;
         CREATE TABLE res_partner (id int);
         INSERT INTO res_partner VALUES (1), (2);
         ALTER TABLE res_partner ENABLE ROW LEVEL SECURITY;
         ALTER TABLE res_partner FORCE ROW LEVEL SECURITY;
         CREATE POLICY hide ON res_partner USING (spy());",
    )
    .await;
    // The policy would hide both rows; the count refuses instead of counting 0.
    let err = pg::compare::inventory(&cluster, &login, &db)
        .await
        .expect_err("a count a policy would filter");
    assert!(err.to_string().contains("counting rows"), "{err}");
    assert!(!is_superuser(&cluster, &login.role).await);
}
