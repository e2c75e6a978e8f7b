//! The operator's PostgreSQL provisioning against a real PostgreSQL server started by
//! the harness: roles and databases created, rotated and dropped as a user of the
//! pg-clusters Secret would see them, over every sslMode.

use odoo_operator::pg::{self, PgCluster, PgClusters};
use odoo_tests::postgres::{Postgres, shared_postgres, start_another};

/// The shared server as the only, default cluster `main`.
fn clusters_for(pg: &Postgres, host: &str, ssl_mode: &str) -> PgClusters {
    pg::clusters::parse(&pg.cluster_yaml("main", host, true, ssl_mode))
        .expect("the harness writes a valid clusters.yaml")
}

/// The owner an instance of UID `uid-<role>` would be.
fn owner(role: &str) -> pg::Owner {
    pg::Owner {
        role: role.into(),
        uid: format!("uid-{role}"),
    }
}

fn main_cluster() -> PgCluster {
    let clusters = clusters_for(shared_postgres(), "127.0.0.1", "disable");
    clusters.default_cluster().expect("one default").1.clone()
}

/// Runs SQL as the cluster admin in `database`.
async fn admin_sql(cluster: &PgCluster, database: &str, sql: &str) -> anyhow::Result<()> {
    let client = pg::connect(cluster, database).await?;
    client.batch_execute(sql).await?;
    Ok(())
}

#[tokio::test]
async fn the_default_cluster_of_the_secret_is_reachable() -> anyhow::Result<()> {
    let pg = shared_postgres();
    let yaml = format!(
        "{}{}",
        pg.cluster_yaml("main", "127.0.0.1", true, "prefer"),
        pg.cluster_yaml("reports", "localhost", false, "verify-full")
    );
    let clusters = pg::clusters::parse(&yaml)?;
    let (name, cluster) = clusters.default_cluster()?;
    assert_eq!(name, "main");
    let version = pg::server_version(cluster).await?;
    let major = pg::server_major_version(clusters.get("reports")?).await?;
    assert!(major >= 13, "WITH (FORCE) needs 13, got {version}");
    assert!(
        version.starts_with(&major.to_string()),
        "{version} vs {major}"
    );
    Ok(())
}

#[tokio::test]
async fn default_cluster_errors_name_the_problem() -> anyhow::Result<()> {
    let pg = shared_postgres();
    let none = format!(
        "{}{}",
        pg.cluster_yaml("a", "127.0.0.1", false, "disable"),
        pg.cluster_yaml("b", "127.0.0.1", false, "disable")
    );
    let err = pg::clusters::parse(&none)?
        .default_cluster()
        .expect_err("no default");
    assert_eq!(
        err.to_string(),
        "no cluster is marked default: true in the pg-clusters Secret; mark exactly one"
    );
    let both = none.replace("default: false", "default: true");
    let err = pg::clusters::parse(&both)?
        .default_cluster()
        .expect_err("two defaults");
    assert_eq!(
        err.to_string(),
        "clusters a and b are both marked default: true; mark exactly one"
    );
    let err = pg::clusters::parse(&both)?.get("c").expect_err("unknown");
    assert!(err.to_string().contains("known: a, b"), "{err}");
    Ok(())
}

#[tokio::test]
async fn ensure_is_idempotent_and_the_role_logs_in() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let password = pg::generate_password();
    let first =
        pg::ensure_role_and_database(&cluster, &owner("odoo_idem"), &password, "idem").await?;
    assert!(first.role_created && first.database_created, "{first:?}");
    let again =
        pg::ensure_role_and_database(&cluster, &owner("odoo_idem"), &password, "idem").await?;
    assert!(!again.role_created && !again.database_created, "{again:?}");
    pg::role_can_login(&cluster, "odoo_idem", &password, "idem").await?;
    assert!(
        pg::role_can_login(&cluster, "odoo_idem", "wrong", "idem")
            .await
            .is_err()
    );
    assert!(pg::database_exists(&cluster, "idem").await?);
    assert!(pg::role_exists(&cluster, "odoo_idem").await?);

    // What Odoo's database manager would create: UTF-8, collation C, owned by the role,
    // and the role may create databases (duplicate, restore).
    let client = pg::connect(&cluster, "postgres").await?;
    let row = client
        .query_one(
            "SELECT pg_encoding_to_char(d.encoding), d.datcollate, \
                    pg_get_userbyid(d.datdba)::text, r.rolcanlogin, r.rolcreatedb \
             FROM pg_database d, pg_roles r \
             WHERE d.datname = 'idem' AND r.rolname = 'odoo_idem'",
            &[],
        )
        .await?;
    assert_eq!(row.get::<_, String>(0), "UTF8");
    assert_eq!(row.get::<_, String>(1), "C");
    assert_eq!(row.get::<_, String>(2), "odoo_idem");
    assert!(row.get::<_, bool>(3) && row.get::<_, bool>(4));

    // Another tenant of the same cluster cannot connect to this database.
    let other = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_idem_other"), &other, "idem_other").await?;
    let err = pg::role_can_login(&cluster, "odoo_idem_other", &other, "idem")
        .await
        .expect_err("PUBLIC has no CONNECT");
    assert!(err.to_string().contains("permission denied"), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_second_ensure_rotates_the_password() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let old = pg::generate_password();
    let new = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_rotate"), &old, "rotate").await?;
    pg::role_can_login(&cluster, "odoo_rotate", &old, "rotate").await?;
    pg::ensure_role_and_database(&cluster, &owner("odoo_rotate"), &new, "rotate").await?;
    pg::role_can_login(&cluster, "odoo_rotate", &new, "rotate").await?;
    let err = pg::role_can_login(&cluster, "odoo_rotate", &old, "rotate")
        .await
        .expect_err("the old password no longer works");
    assert!(
        err.to_string().contains("password authentication failed"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn odd_names_and_passwords_are_quoted_not_interpreted() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let role = "odoo_a\"b";
    let database = "Shop \"EU\"; DROP ROLE postgres; --";
    let password = r#"it's a "pass\word"; -- $$"#;
    let done = pg::ensure_role_and_database(&cluster, &owner(role), password, database).await?;
    assert!(done.role_created && done.database_created);
    pg::role_can_login(&cluster, role, password, database).await?;
    assert!(pg::database_exists(&cluster, database).await?);
    assert!(pg::role_exists(&cluster, role).await?);
    // Stored under exactly these names, nothing else was created, postgres survived.
    assert!(!pg::role_exists(&cluster, "odoo_ab").await?);
    assert!(!pg::database_exists(&cluster, "shop \"eu\"; drop role postgres; --").await?);
    assert!(pg::role_exists(&cluster, "postgres").await?);
    pg::drop_database_and_role(
        &cluster,
        &owner(role),
        "",
        database,
        pg::DropScope::Everything,
    )
    .await?;
    assert!(!pg::database_exists(&cluster, database).await?);
    assert!(!pg::role_exists(&cluster, role).await?);

    // Names PostgreSQL would silently truncate are refused before any SQL runs.
    let long = "x".repeat(64);
    let err = pg::ensure_role_and_database(&cluster, &owner(&long), password, "fine")
        .await
        .expect_err("too long");
    assert!(err.to_string().contains("at most 63"), "{err}");
    assert!(!pg::database_exists(&cluster, "fine").await?);
    Ok(())
}

#[tokio::test]
async fn drop_removes_both_even_with_sessions_and_is_idempotent() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_drop"), &password, "drop_me").await?;
    // An Odoo worker still connected must not block the drop.
    let mut as_role = cluster.clone();
    as_role.admin_user = "odoo_drop".into();
    as_role.admin_password = password.clone();
    let session = pg::connect(&as_role, "drop_me").await?;
    session
        .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        .await?;

    pg::drop_database_and_role(
        &cluster,
        &owner("odoo_drop"),
        "",
        "drop_me",
        pg::DropScope::Everything,
    )
    .await?;
    assert!(!pg::database_exists(&cluster, "drop_me").await?);
    assert!(!pg::role_exists(&cluster, "odoo_drop").await?);
    assert!(
        session.batch_execute("SELECT 1").await.is_err(),
        "session was ended"
    );
    assert!(
        pg::role_can_login(&cluster, "odoo_drop", &password, "postgres")
            .await
            .is_err()
    );
    // Already gone: still fine, so a finalizer can retry.
    pg::drop_database_and_role(
        &cluster,
        &owner("odoo_drop"),
        "",
        "drop_me",
        pg::DropScope::Everything,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_purge_drops_every_database_of_the_role() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_owner"), &password, "owner_main").await?;
    // The role made a second database (a kept copy, Odoo's duplicate): DROP ROLE
    // fails while it owns one, so a purge drops it too.
    admin_sql(
        &cluster,
        "postgres",
        "CREATE DATABASE owner_copy OWNER odoo_owner",
    )
    .await?;
    // Dropping only the named database keeps the role and the copy, and says so.
    let one = pg::drop_database_and_role(
        &cluster,
        &owner("odoo_owner"),
        "",
        "owner_main",
        pg::DropScope::Database,
    )
    .await?;
    assert_eq!(one.databases, ["owner_main"]);
    assert!(!one.role);
    assert!(pg::database_exists(&cluster, "owner_copy").await?);
    pg::ensure_role_and_database(&cluster, &owner("odoo_owner"), &password, "owner_main").await?;
    let all = pg::drop_database_and_role(
        &cluster,
        &owner("odoo_owner"),
        "",
        "owner_main",
        pg::DropScope::Everything,
    )
    .await?;
    assert_eq!(all.databases, ["owner_main", "owner_copy"]);
    assert!(all.role);
    assert!(!pg::database_exists(&cluster, "owner_copy").await?);
    assert!(!pg::role_exists(&cluster, "odoo_owner").await?);
    Ok(())
}

#[tokio::test]
async fn another_instances_role_and_database_are_never_taken_rotated_or_dropped()
-> anyhow::Result<()> {
    let cluster = main_cluster();
    let first = pg::Owner {
        role: "odoo_team_a_shop".into(),
        uid: "uid-first".into(),
    };
    let second = pg::Owner {
        uid: "uid-second".into(),
        ..first.clone()
    };
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &first, &password, "team_a_shop").await?;
    // A second instance whose role name meets the first's (the names of the
    // operator before markers did): refused, and the first's password still works.
    let err =
        pg::ensure_role_and_database(&cluster, &second, &pg::generate_password(), "team_a_shop")
            .await
            .expect_err("another instance's role");
    assert!(
        err.to_string().contains("belongs to instance uid-first"),
        "{err}"
    );
    let err = pg::ensure_role_and_database(&cluster, &second, &pg::generate_password(), "other_db")
        .await
        .expect_err("another instance's role, even for another database");
    assert!(err.to_string().contains("leaves it untouched"), "{err}");
    assert!(!pg::database_exists(&cluster, "other_db").await?);
    pg::role_can_login(&cluster, &first.role, &password, "team_a_shop").await?;
    // Its purge is refused too: nothing is dropped.
    let err = pg::drop_database_and_role(
        &cluster,
        &second,
        "",
        "team_a_shop",
        pg::DropScope::Everything,
    )
    .await
    .expect_err("not the second's to drop");
    assert!(err.to_string().contains("untouched"), "{err}");
    let err = pg::restore::drop_database(&cluster, "team_a_shop", &second, false)
        .await
        .expect_err("not the second's to drop");
    assert!(err.to_string().contains("uid-first"), "{err}");
    assert!(pg::database_exists(&cluster, "team_a_shop").await?);
    pg::drop_database_and_role(
        &cluster,
        &first,
        "",
        "team_a_shop",
        pg::DropScope::Everything,
    )
    .await?;
    assert!(!pg::database_exists(&cluster, "team_a_shop").await?);
    Ok(())
}

#[tokio::test]
async fn an_unmarked_role_is_taken_only_by_the_instance_that_knows_its_password()
-> anyhow::Result<()> {
    let cluster = main_cluster();
    // What an operator before markers left: a role and its database, no comment.
    admin_sql(
        &cluster,
        "postgres",
        "CREATE ROLE odoo_legacy LOGIN CREATEDB PASSWORD 'legacy-pw'",
    )
    .await?;
    admin_sql(
        &cluster,
        "postgres",
        "CREATE DATABASE legacy OWNER odoo_legacy",
    )
    .await?;
    let stranger = pg::Owner {
        role: "odoo_legacy".into(),
        uid: "uid-stranger".into(),
    };
    let err = pg::ensure_role_and_database(&cluster, &stranger, "guessed", "legacy")
        .await
        .expect_err("no marker, wrong password");
    assert!(err.to_string().contains("does not log in"), "{err}");
    pg::role_can_login(&cluster, "odoo_legacy", "legacy-pw", "legacy").await?;
    let err = pg::drop_database_and_role(
        &cluster,
        &stranger,
        "guessed",
        "legacy",
        pg::DropScope::Everything,
    )
    .await
    .expect_err("no marker, wrong password");
    assert!(err.to_string().contains("does not log in"), "{err}");
    assert!(pg::database_exists(&cluster, "legacy").await?);

    let holder = pg::Owner {
        role: "odoo_legacy".into(),
        uid: "uid-holder".into(),
    };
    pg::ensure_role_and_database(&cluster, &holder, "legacy-pw", "legacy").await?;
    // Now marked: the stranger is refused by the marker, even with the password.
    let err = pg::ensure_role_and_database(&cluster, &stranger, "legacy-pw", "legacy")
        .await
        .expect_err("marked as the holder's");
    assert!(err.to_string().contains("uid-holder"), "{err}");
    // A database of the role that the operator did not make is kept by a drop that
    // needs the marker (a migration's rollback), and dropped by the holder's purge.
    admin_sql(
        &cluster,
        "postgres",
        "CREATE DATABASE legacy_own OWNER odoo_legacy",
    )
    .await?;
    let err = pg::restore::drop_database(&cluster, "legacy_own", &holder, true)
        .await
        .expect_err("not made by the operator");
    assert!(err.to_string().contains("carries no marker"), "{err}");
    assert!(pg::database_exists(&cluster, "legacy_own").await?);
    pg::drop_database_and_role(
        &cluster,
        &holder,
        "legacy-pw",
        "legacy",
        pg::DropScope::Everything,
    )
    .await?;
    assert!(!pg::role_exists(&cluster, "odoo_legacy").await?);
    Ok(())
}

#[tokio::test]
async fn the_admin_database_and_role_are_never_dropped() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let err = pg::drop_database_and_role(
        &cluster,
        &owner("odoo_x"),
        "",
        "postgres",
        pg::DropScope::Everything,
    )
    .await
    .expect_err("admin database");
    assert!(err.to_string().contains("refusing"), "{err}");
    let err = pg::drop_database_and_role(
        &cluster,
        &owner("postgres"),
        "",
        "x",
        pg::DropScope::Everything,
    )
    .await
    .expect_err("admin role");
    assert!(err.to_string().contains("refusing"), "{err}");
    assert!(pg::database_exists(&cluster, "postgres").await?);
    Ok(())
}

#[tokio::test]
async fn another_owners_database_is_not_taken_over() -> anyhow::Result<()> {
    let cluster = main_cluster();
    admin_sql(&cluster, "postgres", "CREATE DATABASE someone_elses").await?;
    let err = pg::ensure_role_and_database(
        &cluster,
        &owner("odoo_thief"),
        &pg::generate_password(),
        "someone_elses",
    )
    .await
    .expect_err("owned by postgres");
    assert!(err.to_string().contains("owned by \"postgres\""), "{err}");
    assert!(
        !pg::role_exists(&cluster, "odoo_thief").await?,
        "nothing created"
    );
    Ok(())
}

#[tokio::test]
async fn an_odoo_schema_is_detected() -> anyhow::Result<()> {
    let cluster = main_cluster();
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_schema"), &password, "schema").await?;
    let login = pg::TenantLogin {
        role: "odoo_schema".into(),
        password: password.clone(),
    };
    assert!(!pg::has_odoo_schema(&cluster, &login, "schema").await?);
    let mut as_role = cluster.clone();
    as_role.admin_user = "odoo_schema".into();
    as_role.admin_password = password;
    admin_sql(&as_role, "schema", "CREATE TABLE ir_module_module (id int)").await?;
    assert!(pg::has_odoo_schema(&cluster, &login, "schema").await?);
    Ok(())
}

/// Managed PostgreSQL gives no superuser: an admin with CREATEROLE and CREATEDB must
/// be able to provision and remove tenants.
#[tokio::test]
async fn a_non_superuser_admin_provisions_and_drops() -> anyhow::Result<()> {
    let superuser = main_cluster();
    let admin_password = pg::generate_password();
    admin_sql(
        &superuser,
        "postgres",
        &format!("CREATE ROLE managed_admin LOGIN CREATEROLE CREATEDB PASSWORD '{admin_password}'"),
    )
    .await?;
    let mut cluster = superuser.clone();
    cluster.admin_user = "managed_admin".into();
    cluster.admin_password = admin_password;
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_managed"), &password, "managed").await?;
    pg::ensure_role_and_database(&cluster, &owner("odoo_managed"), &password, "managed").await?;
    pg::role_can_login(&cluster, "odoo_managed", &password, "managed").await?;
    let login = pg::TenantLogin {
        role: "odoo_managed".into(),
        password: password.clone(),
    };
    assert!(!pg::has_odoo_schema(&cluster, &login, "managed").await?);
    pg::drop_database_and_role(
        &cluster,
        &owner("odoo_managed"),
        "",
        "managed",
        pg::DropScope::Everything,
    )
    .await?;
    assert!(!pg::database_exists(&superuser, "managed").await?);
    assert!(!pg::role_exists(&superuser, "odoo_managed").await?);
    Ok(())
}

/// Whether the admin's own session with this cluster config is encrypted.
async fn encrypted(clusters: &PgClusters) -> anyhow::Result<bool> {
    let client = pg::connect(clusters.default_cluster()?.1, "postgres").await?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

#[tokio::test]
async fn every_ssl_mode_behaves_like_libpq() -> anyhow::Result<()> {
    let pg = shared_postgres();
    assert!(!encrypted(&clusters_for(pg, "127.0.0.1", "disable")).await?);
    assert!(encrypted(&clusters_for(pg, "127.0.0.1", "prefer")).await?);
    // The harness's certificate is for localhost, not 127.0.0.1: verify-ca checks the
    // chain only, verify-full the name too.
    assert!(encrypted(&clusters_for(pg, "127.0.0.1", "verify-ca")).await?);
    assert!(encrypted(&clusters_for(pg, "localhost", "verify-full")).await?);
    let err = encrypted(&clusters_for(pg, "127.0.0.1", "verify-full"))
        .await
        .expect_err("name mismatch");
    assert!(format!("{err:#}").contains("not valid for name"), "{err:#}");

    // require without a CA only encrypts; with a CA it checks the chain, like libpq
    // with a root certificate file.
    let yaml = pg.cluster_yaml("main", "127.0.0.1", true, "require");
    let no_ca = &yaml[..yaml.find("  caCert:").expect("caCert entry")];
    assert!(encrypted(&pg::clusters::parse(no_ca)?).await?);
    assert!(encrypted(&clusters_for(pg, "127.0.0.1", "require")).await?);
    // Without caCert, verify-full trusts the system roots, which never issued ours.
    let system_roots = pg::clusters::parse(
        &no_ca
            .replace("127.0.0.1", "localhost")
            .replace("require", "verify-full"),
    )?;
    let err = encrypted(&system_roots).await.expect_err("not a public CA");
    assert!(format!("{err:#}").contains("UnknownIssuer"), "{err:#}");
    let yaml = pg
        .cluster_yaml("main", "localhost", true, "verify-full")
        .replace(&pem_body(&pg.ca_pem), &foreign_ca_body());
    for mode in ["verify-full", "require"] {
        let clusters = pg::clusters::parse(&yaml.replace("verify-full", mode))?;
        let err = encrypted(&clusters).await.expect_err("untrusted CA");
        assert!(
            format!("{err:#}").contains("UnknownIssuer"),
            "{mode}: {err:#}"
        );
    }

    // The role logs in over TLS too, with SCRAM (and channel binding where offered).
    let cluster = clusters_for(pg, "localhost", "verify-full")
        .default_cluster()?
        .1
        .clone();
    let password = pg::generate_password();
    pg::ensure_role_and_database(&cluster, &owner("odoo_tls"), &password, "tls").await?;
    pg::role_can_login(&cluster, "odoo_tls", &password, "tls").await?;
    Ok(())
}

/// The base64 body of a CA certificate no server here uses, indented as in
/// [`Postgres::cluster_yaml`].
fn foreign_ca_body() -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = params.self_signed(&key).expect("self-signed");
    pem_body(&ca.pem())
}

fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(|l| format!("    {l}\n"))
        .collect()
}

#[tokio::test]
async fn a_second_server_is_independent_and_stops_when_dropped() -> anyhow::Result<()> {
    let other = tokio::task::spawn_blocking(start_another).await??;
    let clusters = clusters_for(&other, "127.0.0.1", "disable");
    let cluster = clusters.default_cluster()?.1;
    let password = pg::generate_password();
    pg::ensure_role_and_database(cluster, &owner("odoo_moved"), &password, "moved").await?;
    assert!(pg::database_exists(cluster, "moved").await?);
    assert!(!pg::database_exists(&main_cluster(), "moved").await?);

    let (port, dir) = (other.port, other.dir.clone());
    tokio::task::spawn_blocking(move || drop(other)).await?;
    assert!(!dir.exists(), "{} removed", dir.display());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens on {port} any more"
    );
    Ok(())
}

async fn marker(cluster: &PgCluster, database: &str) -> anyhow::Result<String> {
    let client = pg::connect(cluster, database).await?;
    Ok(client
        .query_one("SELECT note FROM marker", &[])
        .await?
        .get(0))
}

#[tokio::test]
async fn a_restore_switch_is_atomic_repeatable_and_reversible() -> anyhow::Result<()> {
    use odoo_operator::pg::restore::{Switch, create_restore_database, revert, switch};
    let cluster = main_cluster();
    let (role, live, restored, kept) =
        ("sw_owner", "sw_live", "sw_live_restoring_1", "sw_live_pre");
    pg::ensure_role_and_database(&cluster, &owner(role), "pw-sw", live).await?;
    admin_sql(
        &cluster,
        live,
        "CREATE TABLE marker (note text); INSERT INTO marker VALUES ('live')",
    )
    .await?;
    create_restore_database(&cluster, &owner(role), restored).await?;
    create_restore_database(&cluster, &owner(role), restored).await?;
    admin_sql(
        &cluster,
        restored,
        "CREATE TABLE marker (note text); INSERT INTO marker VALUES ('restored')",
    )
    .await?;
    // A session left open on the live database (a straggler) does not block it.
    let straggler = pg::connect(&cluster, live).await?;
    let names = Switch {
        live,
        restored,
        kept,
    };

    switch(&cluster, &names).await?;
    assert_eq!(marker(&cluster, live).await?, "restored");
    assert_eq!(marker(&cluster, kept).await?, "live");
    assert!(!pg::database_exists(&cluster, restored).await?);
    assert!(
        straggler.query_one("SELECT 1", &[]).await.is_err(),
        "the straggler was closed"
    );
    switch(&cluster, &names).await?;
    assert_eq!(
        marker(&cluster, live).await?,
        "restored",
        "a repeat changes nothing"
    );

    revert(&cluster, &names).await?;
    revert(&cluster, &names).await?;
    assert_eq!(marker(&cluster, live).await?, "live");
    assert_eq!(marker(&cluster, restored).await?, "restored");
    assert!(!pg::database_exists(&cluster, kept).await?);
    // Restored databases are closed to other roles like provisioned ones.
    let client = pg::connect(&cluster, &cluster.admin_database).await?;
    let public_connect: bool = client
        .query_one(
            "SELECT has_database_privilege('public', $1, 'CONNECT')",
            &[&restored],
        )
        .await?
        .get(0);
    assert!(!public_connect);
    for db in [live, restored, kept] {
        pg::restore::drop_database(&cluster, db, &owner(role), false).await?;
    }
    Ok(())
}
