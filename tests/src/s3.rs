//! A real S3 server on 127.0.0.1 for the backup tests: versitygw with its posix
//! backend over a throw-away directory (each bucket a subdirectory), root credentials
//! of its own. Started through the spawner thread like every other server, so the
//! kernel stops it with the test binary; directories of killed runs are swept.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::TryStreamExt as _;
use object_store::ObjectStore as _;
use object_store::aws::AmazonS3Builder;

use crate::process::{free_port, on_spawner_thread, spawn_guarded, tail};

fn run_root() -> PathBuf {
    std::env::temp_dir().join("odoo-operator-s3")
}

/// A running versitygw. Dropping it stops the server and removes its directory.
pub struct S3Server {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    pub port: u16,
    pub access_key: String,
    pub secret_key: String,
    /// State: `data/` (the buckets) and `versitygw.log`.
    pub dir: PathBuf,
    child: Mutex<Option<Child>>,
}

impl std::fmt::Debug for S3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Server")
            .field("endpoint", &self.endpoint)
            .field("dir", &self.dir)
            .finish()
    }
}

impl S3Server {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> anyhow::Result<S3Server> {
        for dir in crate::process::orphaned_run_dirs(&run_root()) {
            let _ = std::fs::remove_dir_all(dir);
        }
        static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = run_root().join(format!("{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("data"))
            .with_context(|| format!("creating {}", dir.display()))?;
        let port = free_port();
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            access_key: "odoo-test-root".into(),
            secret_key: odoo_model::password::generate(),
            dir,
            child: Mutex::new(None),
        };
        server.spawn()?;
        Ok(server)
    }

    /// (Re)starts the process on the same port and directory, and waits for it.
    pub fn spawn(&self) -> anyhow::Result<()> {
        let bin = crate::tools::versitygw();
        let args = vec![
            "--port".to_owned(),
            format!("127.0.0.1:{}", self.port),
            "--access".to_owned(),
            self.access_key.clone(),
            "--secret".to_owned(),
            self.secret_key.clone(),
            "--quiet".to_owned(),
            "posix".to_owned(),
            self.dir.join("data").display().to_string(),
        ];
        let log = self.log();
        let child = on_spawner_thread(move || spawn_guarded(&bin, &args, &log))
            .context("starting versitygw")?;
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            self.check_alive()?;
            if crate::http_status(self.port, "/").is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "versitygw on port {} not answering after 30s:\n{}",
            self.port,
            tail(&self.log(), 30)
        )
    }

    fn check_alive(&self) -> anyhow::Result<()> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(status) = child.as_mut().map(Child::try_wait).transpose()?.flatten() {
            bail!("versitygw exited with {status}:\n{}", tail(&self.log(), 30));
        }
        Ok(())
    }

    /// Kills the server (as a crash would); [`S3Server::spawn`] brings it back.
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("versitygw.log")
    }

    /// Creates a bucket: with the posix backend, a directory of the data root.
    pub fn create_bucket(&self, name: &str) -> anyhow::Result<()> {
        std::fs::create_dir_all(self.dir.join("data").join(name))
            .with_context(|| format!("creating bucket {name}"))
    }

    /// The environment an agent needs to reach this server.
    pub fn agent_env(&self) -> Vec<(String, String)> {
        vec![
            ("ODOO_AGENT_S3_ENDPOINT".into(), self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID".into(), self.access_key.clone()),
            ("AWS_SECRET_ACCESS_KEY".into(), self.secret_key.clone()),
        ]
    }

    /// A client of its own (clients are bound to the runtime that uses them).
    pub fn client(&self, bucket: &str) -> anyhow::Result<Arc<dyn object_store::ObjectStore>> {
        // object_store's HTTP client has no bundled TLS provider in this workspace.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .build()?;
        Ok(Arc::new(store))
    }

    /// Keys of the objects in `bucket` (listed through the S3 API).
    pub async fn list(&self, bucket: &str) -> anyhow::Result<Vec<String>> {
        let objects: Vec<_> = self.client(bucket)?.list(None).try_collect().await?;
        Ok(objects
            .into_iter()
            .map(|o| o.location.to_string())
            .collect())
    }

    /// An object's bytes.
    pub async fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Vec<u8>> {
        let path = object_store::path::Path::parse(key)?;
        let store = self.client(bucket)?;
        let bytes = object_store::ObjectStoreExt::get(&store, &path)
            .await?
            .bytes()
            .await?;
        Ok(bytes.to_vec())
    }

    /// Uploads `bytes` as one object.
    pub async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let path = object_store::path::Path::parse(key)?;
        let store = self.client(bucket)?;
        object_store::ObjectStoreExt::put(&store, &path, bytes.into()).await?;
        Ok(())
    }

    /// Files under the data root, for checks the S3 API cannot make (in-progress
    /// uploads live under each bucket's `.sgwtmp`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server shared by the tests of this test binary, started on first use.
pub fn shared_s3() -> &'static S3Server {
    static S3: OnceLock<&'static S3Server> = OnceLock::new();
    S3.get_or_init(|| {
        let s3 = S3Server::start().unwrap_or_else(|e| panic!("starting versitygw: {e:#}"));
        Box::leak(Box::new(s3))
    })
}

/// Total size of the regular files under `dir` (0 when it does not exist).
pub fn du(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => du(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// The Secret backups name for the shared S3 server's credentials, with the keys
/// the CRD defaults to.
pub const CREDENTIALS_SECRET: &str = "s3-creds";

/// Creates [`CREDENTIALS_SECRET`] in `ns`.
pub async fn create_credentials(ns: &crate::TestNamespace) -> anyhow::Result<()> {
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::Secret;
    let s3 = shared_s3();
    let data: std::collections::BTreeMap<String, ByteString> = [
        ("AWS_ACCESS_KEY_ID", &s3.access_key),
        ("AWS_SECRET_ACCESS_KEY", &s3.secret_key),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), ByteString(v.as_bytes().to_vec())))
    .collect();
    let secret = Secret {
        metadata: kube::api::ObjectMeta {
            name: Some(CREDENTIALS_SECRET.into()),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    };
    ns.api::<Secret>()
        .create(&Default::default(), &secret)
        .await?;
    Ok(())
}

/// A backup destination in `bucket` of the shared S3 server, with the credentials
/// of [`create_credentials`] and the default key template.
pub fn destination(bucket: &str) -> odoo_model::backup_job::BackupDestination {
    use odoo_model::backup_job::{BackupDestination, S3Destination};
    use odoo_model::common::{S3Bucket, S3Credentials};
    BackupDestination {
        s3: Some(S3Destination {
            bucket: S3Bucket {
                endpoint: shared_s3().endpoint.clone(),
                bucket: bucket.into(),
                region: "us-east-1".into(),
                credentials: S3Credentials {
                    secret_name: CREDENTIALS_SECRET.into(),
                    access_key_id_key: "AWS_ACCESS_KEY_ID".into(),
                    secret_access_key_key: "AWS_SECRET_ACCESS_KEY".into(),
                },
                force_path_style: true,
                insecure_skip_tls_verify: false,
            },
            key: "{namespace}/{instance}/{timestamp}.{ext}".into(),
        }),
        pvc: None,
    }
}
