//! `netvet db import|stats`: the offline vulnerability database.

use crate::{DbCmd, Fail};
use netvet_vulndb::VulnDb;
use std::path::PathBuf;

fn db_path(explicit: Option<PathBuf>) -> Result<PathBuf, Fail> {
    explicit.or_else(VulnDb::default_path).ok_or_else(|| {
        Fail(
            2,
            "no per-user data directory on this system; pass --vulndb FILE".into(),
        )
    })
}

pub(crate) fn run(cmd: DbCmd) -> Result<u8, Fail> {
    match cmd {
        DbCmd::Import { inputs, vulndb } => {
            let path = db_path(vulndb)?;
            let mut db = VulnDb::open(&path)?;
            let t = std::time::Instant::now();
            let st = db.import_paths(&inputs)?;
            let secs = t.elapsed().as_secs_f64();
            for (f, why) in &st.failed {
                eprintln!("netvet: warning: skipped {f}: {why}");
            }
            eprintln!(
                "imported {} records from {} files into {} in {:.2} s ({:.0} records/s)",
                st.records,
                st.files,
                path.display(),
                secs,
                st.records as f64 / secs.max(1e-9)
            );
            Ok(if st.records == 0 && !st.failed.is_empty() {
                2
            } else {
                0
            })
        }
        DbCmd::Stats { vulndb } => {
            let path = db_path(vulndb)?;
            let Some(db) = VulnDb::open_existing(&path)? else {
                return Err(Fail(
                    2,
                    format!(
                        "{}: no vulnerability database yet (create it with `netvet db import`); scans use the embedded dataset",
                        path.display()
                    ),
                ));
            };
            let s = db.stats()?;
            let embedded =
                netvet_vulndb::embedded_records(&netvet_rules::RuleSet::embedded())?.len();
            println!("database:          {}", s.path);
            println!(
                "records:           {} (NVD {}, OSV {})",
                s.records, s.nvd, s.osv
            );
            println!("CPE products:      {}", s.products);
            println!("OSV packages:      {}", s.packages);
            println!(
                "by CVSS severity:  critical {}, high {}, medium {}, low {}, unscored {}",
                s.by_severity[0],
                s.by_severity[1],
                s.by_severity[2],
                s.by_severity[3],
                s.by_severity[4]
            );
            println!("newest published:  {}", s.newest_published);
            println!("last import:       {}", s.last_import);
            println!("embedded dataset:  {embedded} records (always used)");
            Ok(0)
        }
    }
}
