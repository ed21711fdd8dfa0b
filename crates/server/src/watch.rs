//! Reloading on change: file-system notifications (inotify and friends), plus a slow poll as a
//! safety net for file systems and mounts that do not notify. Every trigger re-reads the
//! sources; each one is reloaded only when its content changed.

use crate::state::AppState;
use crate::tls::CertStore;
use notify::{RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How long to wait for a burst of events (an editor's save, a volume's symlink swap) to end
const DEBOUNCE: Duration = Duration::from_millis(100);

fn parent(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Whether an event can mean new content. Opening and reading a file is reported too (inotify's
/// `IN_OPEN`, `IN_CLOSE_NOWRITE`), and every reload reads the watched files: reacting to those
/// made each reload trigger the next, for ever (≈2% of a core at idle, 2026-11-28). A file
/// closed after writing (`IN_CLOSE_WRITE`, also reported as an access) is a change.
fn may_change(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        notify::EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        notify::EventKind::Access(_) => false,
        _ => true,
    }
}

/// Watch the policies directory, the namespace file and the certificate files until
/// `shutdown` turns true
pub(crate) fn spawn(
    state: Arc<AppState>,
    certs: Arc<CertStore>,
    policies_dir: PathBuf,
    namespaces_file: Option<PathBuf>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| may_change(&e.kind)) {
            // A full channel already holds a pending trigger; that is enough.
            let _ = tx.try_send(());
        }
    });
    let watcher = match watcher {
        Ok(mut w) => {
            let mut targets = vec![(policies_dir.clone(), RecursiveMode::Recursive)];
            for p in certs
                .paths()
                .iter()
                .copied()
                .chain(namespaces_file.as_deref())
            {
                targets.push((parent(p), RecursiveMode::NonRecursive));
            }
            targets.sort();
            targets.dedup();
            for (path, mode) in targets {
                if let Err(e) = w.watch(&path, mode) {
                    tracing::warn!(target: "palisade::watch", path = %path.display(), error = %e, "cannot watch; relying on polling");
                }
            }
            Some(w)
        }
        Err(e) => {
            tracing::warn!(target: "palisade::watch", error = %e, "file notifications unavailable; relying on polling");
            None
        }
    };
    let poll = state.limits.poll_interval;
    tokio::spawn(async move {
        let _watcher = watcher;
        let mut tick = tokio::time::interval(poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                Some(()) = rx.recv() => {
                    tokio::time::sleep(DEBOUNCE).await;
                    while rx.try_recv().is_ok() {}
                }
                _ = tick.tick() => {}
                _ = shutdown.changed() => break,
            }
            let st = Arc::clone(&state);
            let c = Arc::clone(&certs);
            let _ = tokio::task::spawn_blocking(move || {
                st.reload_tls(&c);
                st.reload_namespaces();
                st.reload_policies();
            })
            .await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RemoveKind};

    #[test]
    fn reading_a_file_is_not_a_change() {
        for read in [
            AccessKind::Open(AccessMode::Any),
            AccessKind::Read,
            AccessKind::Close(AccessMode::Read),
            AccessKind::Any,
        ] {
            assert!(!may_change(&EventKind::Access(read)), "{read:?}");
        }
    }

    #[test]
    fn writes_creations_removals_and_the_unknown_are_changes() {
        for kind in [
            EventKind::Modify(ModifyKind::Data(DataChange::Content)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Create(CreateKind::File),
            EventKind::Remove(RemoveKind::File),
            EventKind::Modify(ModifyKind::Any),
            EventKind::Any,
            EventKind::Other,
        ] {
            assert!(may_change(&kind), "{kind:?}");
        }
    }
}
