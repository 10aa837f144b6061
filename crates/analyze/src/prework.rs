//! Per-file analysis that starts while the image is still unpacking.
//!
//! The unpacker calls a [`netvet_unpack::FileHook`] with every file a format handler adds;
//! [`Prework::hook`] hands each ELF file to the thread pool, which profiles it
//! ([`crate::behaviour::profile_file`]: imports, system-call stubs and import calls, strings,
//! packing) while decoding goes on, on the cores the decoder leaves idle (its serial parts:
//! directory tables, fragment tails, adding entries, carving nested blobs). The behaviour
//! analyzer then takes the finished profiles ([`Prework::take`]) and computes only the ones
//! that are missing. A profile is used only for the very content it was computed from (same
//! path, same bytes in memory); anything else is profiled again by the analyzer, so the
//! findings do not depend on what was done early.

use crate::behaviour::Profile;
use bytes::Bytes;
use netvet_model::Finding;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What was computed for one file.
struct Done {
    /// address and length of the content it was computed from
    at: (usize, usize),
    result: Option<(Profile, Option<Finding>)>,
}

/// Profiles computed while unpacking, by tree path.
#[derive(Default)]
pub struct Prework {
    done: Mutex<HashMap<String, Done>>,
    pending: AtomicUsize,
}

fn identity(data: &[u8]) -> (usize, usize) {
    (data.as_ptr() as usize, data.len())
}

impl Prework {
    pub fn new() -> Arc<Prework> {
        Arc::new(Prework::default())
    }

    /// The unpacker hook: every ELF file is profiled on the thread pool.
    pub fn hook(self: &Arc<Self>) -> netvet_unpack::FileHook {
        let me = Arc::clone(self);
        Arc::new(move |path: &str, data: &Bytes| {
            if !netvet_unpack::classify::is_elf(data) {
                return;
            }
            me.pending.fetch_add(1, Ordering::AcqRel);
            let me = Arc::clone(&me);
            let path = path.to_string();
            let data = data.clone();
            rayon::spawn(move || {
                // a panic must not take the pool down: the analyzer profiles the file again
                // (and reports what goes wrong there)
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crate::behaviour::profile_file(&path, &data)
                }));
                if let Ok(result) = r {
                    if let Ok(mut done) = me.done.lock() {
                        done.insert(
                            path,
                            Done {
                                at: identity(&data),
                                result,
                            },
                        );
                    }
                }
                me.pending.fetch_sub(1, Ordering::AcqRel);
            });
        })
    }

    /// Wait until every profile handed to the pool is done. On a pool thread, runs other
    /// pool work meanwhile (so waiting inside the pool cannot starve it).
    pub fn finish(&self) {
        while self.pending.load(Ordering::Acquire) > 0 {
            if rayon::yield_now().is_none() {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
    }

    /// The profile computed early for `path` if it was computed from `data` (`None`: not
    /// computed, or from other content); `Some(None)` when the file is no program.
    pub fn take(&self, path: &str, data: &[u8]) -> Option<Option<(Profile, Option<Finding>)>> {
        let mut done = self.done.lock().ok()?;
        let d = done.remove(path)?;
        (d.at == identity(data)).then_some(d.result)
    }

    /// Number of files profiled early and not taken yet.
    pub fn len(&self) -> usize {
        self.done.lock().map(|d| d.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
