//! Child processes that cannot outlive the test run.
//!
//! Every control-plane process is started through `setpriv --pdeathsig KILL`, so the
//! kernel kills it when its parent goes away — on a normal exit, a panic, an abort,
//! Ctrl-C or SIGKILL alike. The parent that counts is the *thread* that forked, so all
//! processes are forked by one spawner thread that lives as long as the process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Sender, channel};

type Job = Box<dyn FnOnce() + Send>;

fn spawner() -> &'static std::sync::Mutex<Sender<Job>> {
    static SPAWNER: OnceLock<std::sync::Mutex<Sender<Job>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("process-spawner".into())
            .spawn(move || {
                // The sender lives in a static, so this loop ends only with the process.
                while let Ok(job) = rx.recv() {
                    job();
                }
            })
            .expect("spawning the process-spawner thread");
        std::sync::Mutex::new(tx)
    })
}

/// Runs `f` on the spawner thread and waits for its result. Anything `f` forks dies
/// with the test process.
pub fn on_spawner_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    spawner()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(job)
        .expect("spawner thread is gone");
    rx.recv().expect("spawner thread dropped the job")
}

/// Starts `program args…` with its output in `log`, killed when this process dies.
/// Must be called on the spawner thread (see [`on_spawner_thread`]).
pub fn spawn_guarded(program: &Path, args: &[String], log: &Path) -> std::io::Result<Child> {
    spawn_guarded_with_env(program, args, &[], log)
}

/// [`spawn_guarded`] with `env` added to the inherited environment.
pub fn spawn_guarded_with_env(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    log: &Path,
) -> std::io::Result<Child> {
    let out = std::fs::File::create(log)?;
    let err = out.try_clone()?;
    Command::new("setpriv")
        .arg("--pdeathsig")
        .arg("KILL")
        .arg("--")
        .arg(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
}

/// The last lines of a log file, for error messages.
pub fn tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Ports handed out for servers: below the kernel's ephemeral range (32768 and
/// up on Linux), where outgoing connections take their local ports. A port taken
/// from the ephemeral range, released and then given to a server could meanwhile
/// be used by any client's connection ("address already in use" at the server's
/// start).
const SERVER_PORTS: std::ops::Range<u16> = 20000..32000;

/// A free TCP port on 127.0.0.1 for a server this test process starts. Test
/// binaries may run at once (hack/test.sh runs several), so a port is claimed
/// before it is handed out: a file named after it, created exclusively in a
/// directory of the temporary directory (one per test run under hack/test.sh),
/// holding the claimant's pid. A claim whose process is gone is taken over; a port
/// another program listens on is skipped.
pub fn free_port() -> u16 {
    use std::io::Write as _;
    let dir = std::env::temp_dir().join("odoo-test-ports");
    std::fs::create_dir_all(&dir).expect("creating the port claims directory");
    let span = u32::from(SERVER_PORTS.end - SERVER_PORTS.start);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
        ^ std::process::id().wrapping_mul(2_654_435_761);
    let me = std::process::id();
    for i in 0..span {
        let port = SERVER_PORTS.start + ((seed.wrapping_add(i)) % span) as u16;
        let claim = dir.join(port.to_string());
        let file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&claim)
        {
            Ok(file) => file,
            Err(_) => {
                let owner = std::fs::read_to_string(&claim)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                match owner {
                    // Its claimant is gone: free the claim for a later look.
                    Some(pid) if !Path::new(&format!("/proc/{pid}")).exists() => {
                        let _ = std::fs::remove_file(&claim);
                    }
                    _ => {}
                }
                continue;
            }
        };
        let _ = write!(&file, "{me}");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {SERVER_PORTS:?} on 127.0.0.1")
}

/// State directories under `root` named `<pid>-…` whose process no longer exists: a
/// killed test run cannot clean up after itself (its servers died with it).
pub fn orphaned_run_dirs(root: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.split('-')
                .next()
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
        })
        .map(|entry| entry.path())
        .collect()
}
