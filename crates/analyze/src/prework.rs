//! Per-file analysis that starts while the image is still unpacking.
//!
//! Only content the unpacker holds in memory is taken early; content it spilled to its
//! directory (past its memory budget) is left to the analyzers after the unpack.
//!
//! The unpacker calls a [`netvet_unpack::FileHook`] with every file a format handler adds;
//! [`Prework::hook`] hands each ELF file to the thread pool, where every analyzer with work
//! on single files does it ([`crate::Analyzer::early`]: the behaviour profile of imports,
//! system-call stubs, import calls and strings; the credentials' user/password string pairs)
//! while decoding goes on, on the cores the decoder leaves idle (its serial parts: directory
//! tables, fragment tails, adding entries, carving nested blobs). The analyzers then take the
//! finished results ([`Prework::take`]) and compute only the ones that are missing. A result
//! is used only for the very content it was computed from (same path, same bytes in memory);
//! anything else is computed again by the analyzer, so the findings do not depend on what was
//! done early.

use crate::Analyzers;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One analyzer's early result for one file (the analyzer knows its type).
pub type Early = Box<dyn std::any::Any + Send>;

/// What was computed for one file.
struct Done {
    /// address and length of the content it was computed from
    at: (usize, usize),
    /// (analyzer name, result)
    results: Vec<(&'static str, Early)>,
}

/// Early results by tree path.
pub struct Prework {
    analyzers: Arc<Analyzers>,
    done: Mutex<HashMap<String, Done>>,
    pending: AtomicUsize,
}

fn identity(data: &[u8]) -> (usize, usize) {
    (data.as_ptr() as usize, data.len())
}

impl Prework {
    pub fn new(analyzers: Arc<Analyzers>) -> Arc<Prework> {
        Arc::new(Prework {
            analyzers,
            done: Mutex::new(HashMap::new()),
            pending: AtomicUsize::new(0),
        })
    }

    /// The unpacker hook: every ELF file goes to the thread pool.
    pub fn hook(self: &Arc<Self>) -> netvet_unpack::FileHook {
        let me = Arc::clone(self);
        Arc::new(move |path: &str, data: &Bytes| {
            // content spilled to the disk (past the unpacker's memory budget) waits for the
            // analyzers: reading it now would fault its pages in while the decoder's buffers
            // are still live, and the peak RSS of a large image went over the budget
            // (532 MiB against 495 on the 131 MB image of bench/unpack.sh)
            if !netvet_unpack::classify::is_elf(data) || netvet_unpack::spool::is_mapped(data) {
                return;
            }
            me.pending.fetch_add(1, Ordering::AcqRel);
            let me = Arc::clone(&me);
            let path = path.to_string();
            let data = data.clone();
            rayon::spawn(move || {
                let mut results = Vec::new();
                for a in me.analyzers.list() {
                    // a panic must not take the pool down: the analyzer does the work again
                    // (and reports what goes wrong there)
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        a.early(&path, &data)
                    }));
                    if let Ok(Some(r)) = r {
                        results.push((a.name(), r));
                    }
                }
                // the pages of a mapped content are handed back once every analyzer is done
                netvet_unpack::spool::release(&data);
                if !results.is_empty() {
                    if let Ok(mut done) = me.done.lock() {
                        done.insert(
                            path,
                            Done {
                                at: identity(&data),
                                results,
                            },
                        );
                    }
                }
                me.pending.fetch_sub(1, Ordering::AcqRel);
            });
        })
    }

    /// Wait until every file handed to the pool is done. On a pool thread, runs other pool
    /// work meanwhile (so waiting inside the pool cannot starve it).
    pub fn finish(&self) {
        while self.pending.load(Ordering::Acquire) > 0 {
            if rayon::yield_now().is_none() {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
    }

    /// The early result of analyzer `name` for `path` if it was computed from `data` and is a
    /// `T`; `None` otherwise (the analyzer then does the work itself).
    pub fn take<T: 'static>(&self, name: &str, path: &str, data: &[u8]) -> Option<T> {
        let mut done = self.done.lock().ok()?;
        let d = done.get_mut(path)?;
        if d.at != identity(data) {
            return None;
        }
        let i = d.results.iter().position(|(n, _)| *n == name)?;
        let (_, r) = d.results.swap_remove(i);
        if d.results.is_empty() {
            done.remove(path);
        }
        r.downcast::<T>().ok().map(|b| *b)
    }

    /// Number of early results not taken yet.
    pub fn len(&self) -> usize {
        self.done
            .lock()
            .map(|d| d.values().map(|x| x.results.len()).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
