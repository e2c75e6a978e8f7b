//! What the operator last listed of each instance's kept databases (see
//! `kept_expiry`): shared through the context, so the instance's status shows it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use odoo_model::kept::KeptDatabase;

/// How often a settled instance's kept databases are listed again.
const RELIST: Duration = Duration::from_secs(600);

/// What the operator last listed of each instance's kept databases, and when:
/// the status shows it, and the next listing waits for [`RELIST`].
#[derive(Default)]
pub struct KeptLists {
    by_uid: Mutex<HashMap<String, Listed>>,
}

struct Listed {
    at: Instant,
    kept: Vec<KeptDatabase>,
    /// A job held the instance at the last pass: listing is due once it ends.
    busy: bool,
}

impl KeptLists {
    /// The kept databases last listed for instance `uid`.
    pub fn shown(&self, uid: &str) -> Option<Vec<KeptDatabase>> {
        let lists = self.by_uid.lock().expect("kept lists");
        lists.get(uid).map(|l| l.kept.clone())
    }

    /// Whether instance `uid` is due for a listing; remembers whether it is `busy`.
    pub fn due(&self, uid: &str, busy: bool) -> bool {
        let mut lists = self.by_uid.lock().expect("kept lists");
        match lists.get_mut(uid) {
            None => !busy,
            Some(l) => {
                let was_busy = std::mem::replace(&mut l.busy, busy);
                !busy && (was_busy || l.at.elapsed() >= RELIST)
            }
        }
    }

    pub fn record(&self, uid: &str, kept: Vec<KeptDatabase>) {
        let mut lists = self.by_uid.lock().expect("kept lists");
        lists.insert(
            uid.to_owned(),
            Listed {
                at: Instant::now(),
                kept,
                busy: false,
            },
        );
    }

    /// The next pass lists again.
    pub fn stale(&self, uid: &str) {
        if let Some(l) = self.by_uid.lock().expect("kept lists").get_mut(uid) {
            l.busy = true;
        }
    }
}
