//! The verifier behind `gavel evidence verify` and `/mod evidence verify`: re-reads every
//! object and recomputes its SHA-256, every signature, every case's chain, and compares the
//! chain with what the (append-only) event log recorded when each entry was appended and with
//! the anchors written to evidence storage outside the database.

use super::anchors::{read_anchors, ANCHORS_UNREADABLE};
use super::signer::Signer;
use super::EvidenceService;
use crate::domain::evidence::snapshot::StoredObject;
use crate::domain::ids::from_db;
use crate::error::GavelResult;
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::evidence::{self, AmendmentRow, EvidenceItemRow};
use crate::store::objects::ObjectStore;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::fmt;
use std::sync::Arc;

/// One thing that does not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub guild_id: u64,
    pub case_number: i32,
    pub seq: Option<i32>,
    pub what: String,
    /// Storage could not be read, so nothing is known to have changed.
    pub unreadable: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(
                f,
                "guild {} case #{} entry #{}: {}",
                self.guild_id, self.case_number, seq, self.what
            ),
            None => write!(
                f,
                "guild {} case #{}: {}",
                self.guild_id, self.case_number, self.what
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseReport {
    pub guild_id: u64,
    pub case_number: i32,
    pub entries: usize,
    pub objects: usize,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub cases: Vec<CaseReport>,
}

impl Report {
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.cases.iter().flat_map(|c| &c.problems)
    }

    pub fn is_intact(&self) -> bool {
        self.problems().next().is_none()
    }

    pub fn summary(&self) -> String {
        let entries: usize = self.cases.iter().map(|c| c.entries).sum();
        let objects: usize = self.cases.iter().map(|c| c.objects).sum();
        let problems = self.problems().count();
        format!(
            "{} case(s), {entries} entr{}, {objects} object(s) checked: {}",
            self.cases.len(),
            if entries == 1 { "y" } else { "ies" },
            if problems == 0 {
                "all intact".to_string()
            } else {
                format!("{problems} problem(s)")
            }
        )
    }
}

enum Entry<'a> {
    Item(&'a EvidenceItemRow),
    Amendment(&'a AmendmentRow),
}

impl Entry<'_> {
    fn seq(&self) -> i32 {
        match self {
            Entry::Item(i) => i.seq,
            Entry::Amendment(a) => a.seq,
        }
    }
    fn signature(&self) -> &str {
        match self {
            Entry::Item(i) => &i.signature,
            Entry::Amendment(a) => &a.signature,
        }
    }
    fn prev(&self) -> Option<&str> {
        match self {
            Entry::Item(i) => i.prev_signature.as_deref(),
            Entry::Amendment(a) => a.prev_signature.as_deref(),
        }
    }
}

#[derive(Clone)]
pub struct Verifier {
    pool: PgPool,
    store: Arc<dyn ObjectStore>,
    signer: Signer,
}

impl Verifier {
    pub fn new(pool: PgPool, store: Arc<dyn ObjectStore>, signer: Signer) -> Self {
        Verifier {
            pool,
            store,
            signer,
        }
    }

    /// Cases to check: (guild, case id, case number).
    pub async fn targets(
        &self,
        guild_id: Option<u64>,
        case_number: Option<i32>,
    ) -> Result<Vec<(u64, i64, i32)>, sqlx::Error> {
        Ok(
            evidence::cases_with_evidence(&self.pool, guild_id, case_number)
                .await?
                .into_iter()
                .map(|(g, id, n)| (from_db(g), id, n))
                .collect(),
        )
    }

    /// Checks every case in scope; `progress(done, total)` after each.
    pub async fn verify(
        &self,
        guild_id: Option<u64>,
        case_number: Option<i32>,
        progress: impl Fn(usize, usize),
    ) -> Result<Report, sqlx::Error> {
        let targets = self.targets(guild_id, case_number).await?;
        let mut report = Report::default();
        for (i, (guild, case_id, number)) in targets.iter().enumerate() {
            report
                .cases
                .push(self.verify_case(*guild, *case_id, *number).await?);
            progress(i + 1, targets.len());
        }
        Ok(report)
    }

    pub async fn verify_case(
        &self,
        guild_id: u64,
        case_id: i64,
        case_number: i32,
    ) -> Result<CaseReport, sqlx::Error> {
        let items = evidence::items_for_case(&self.pool, case_id).await?;
        let amendments = evidence::amendments_for_case(&self.pool, case_id).await?;
        let logged = evidence::logged_entries(&self.pool, case_id).await?;
        let mut report = CaseReport {
            guild_id,
            case_number,
            entries: items.len() + amendments.len(),
            ..CaseReport::default()
        };
        // Problems that only mean storage could not be read (marked after the checks).
        let mut unreadable = Vec::new();
        let mut problem = |seq: Option<i32>, what: String| {
            report.problems.push(Problem {
                guild_id,
                case_number,
                seq,
                what,
                unreadable: false,
            })
        };

        let mut entries: Vec<Entry> = items
            .iter()
            .map(Entry::Item)
            .chain(amendments.iter().map(Entry::Amendment))
            .collect();
        entries.sort_by_key(|e| e.seq());

        let mut expected_seq = 1;
        let mut previous: Option<&str> = None;
        let mut objects_checked = 0;
        for entry in &entries {
            let seq = entry.seq();
            while expected_seq < seq {
                problem(
                    Some(expected_seq),
                    "is missing: the chain skips it (it was deleted)".into(),
                );
                expected_seq += 1;
            }
            if seq < expected_seq {
                problem(Some(seq), "appears more than once in the chain".into());
            }
            expected_seq = seq + 1;

            let (document, key_id, row_guild, row_case, label) = match entry {
                Entry::Item(i) => (
                    i.signed_document().to_json(),
                    &i.key_id,
                    i.guild_id,
                    i.case_number,
                    "item",
                ),
                Entry::Amendment(a) => (
                    a.signed_document().to_json(),
                    &a.key_id,
                    a.guild_id,
                    a.case_number,
                    "amendment",
                ),
            };
            if row_guild != guild_id || row_case != case_number {
                problem(
                    Some(seq),
                    format!("{label} says it belongs to guild {row_guild} case #{row_case}"),
                );
            }
            if let Err(e) = self.signer.verify(key_id, &document, entry.signature()) {
                problem(
                    Some(seq),
                    format!("{label} signature check failed: {e} (its database row was changed)"),
                );
            }
            if entry.prev() != previous {
                problem(
                    Some(seq),
                    format!(
                        "{label} does not follow the entry before it: the chain is broken (an entry was removed, inserted or changed)"
                    ),
                );
            }
            previous = Some(entry.signature());

            if let Entry::Item(item) = entry {
                for object in parse_objects(&item.objects) {
                    match object {
                        Ok(object) => {
                            objects_checked += 1;
                            if let Some((what, only_unreadable)) = self.check_object(&object).await
                            {
                                if only_unreadable {
                                    unreadable.push((Some(seq), what.clone()));
                                }
                                problem(Some(seq), what);
                            }
                        }
                        Err(what) => problem(Some(seq), what),
                    }
                }
            }
        }

        for (seq, signature) in &logged {
            match entries.iter().find(|e| e.seq() == *seq) {
                None => problem(
                    Some(*seq),
                    "is recorded in the event log but missing from the evidence (it was deleted)"
                        .into(),
                ),
                Some(entry) if entry.signature() != signature => problem(
                    Some(*seq),
                    "differs from the signature the event log recorded when it was added".into(),
                ),
                Some(_) => {}
            }
        }
        for anchor in read_anchors(&*self.store, &self.signer, guild_id, case_number).await {
            match anchor {
                Err(what) => {
                    if what == ANCHORS_UNREADABLE {
                        unreadable.push((None, what.clone()));
                    }
                    problem(None, what)
                }
                Ok(anchor) => match entries.iter().find(|e| e.seq() == anchor.seq) {
                    None => problem(
                        Some(anchor.seq),
                        "is missing: evidence storage holds the anchor Gavel wrote when it was appended, but the database has no such entry (it was deleted)".into(),
                    ),
                    Some(entry) if entry.signature() != anchor.entry_signature => problem(
                        Some(anchor.seq),
                        "differs from the anchor Gavel wrote to evidence storage when it was appended (the entry was replaced)".into(),
                    ),
                    Some(_) => {}
                },
            }
        }
        report.objects = objects_checked;
        for problem in &mut report.problems {
            problem.unreadable = unreadable.contains(&(problem.seq, problem.what.clone()));
        }
        Ok(report)
    }

    /// What is wrong with a stored object, and whether it is only that storage could not be
    /// read.
    async fn check_object(&self, object: &StoredObject) -> Option<(String, bool)> {
        match self.store.digest(&object.key).await {
            Ok(None) => Some((
                format!("object {} is missing from storage", object.key),
                false,
            )),
            Err(e) => {
                // The storage's own words name its endpoint and bucket: for the log only.
                tracing::error!(error = %e, key = %object.key, "an evidence object could not be read");
                Some((
                    format!(
                        "object {} could not be read from evidence storage, so it was not checked (Gavel's log says why)",
                        object.key
                    ),
                    true,
                ))
            }
            Ok(Some(digest)) => {
                let actual = digest.sha256;
                (actual != object.sha256).then(|| {
                    (
                        format!(
                            "object {} has changed: SHA-256 {actual}, recorded {}",
                            object.key, object.sha256
                        ),
                        false,
                    )
                })
            }
        }
    }
}

fn parse_objects(objects: &Value) -> Vec<Result<StoredObject, String>> {
    match objects.as_array() {
        Some(list) => list
            .iter()
            .map(|o| {
                serde_json::from_value::<StoredObject>(o.clone())
                    .map_err(|e| format!("an object record is malformed: {e}"))
            })
            .collect(),
        None => vec![Err("the objects column is not a list".into())],
    }
}

impl EvidenceService {
    pub fn verifier(&self) -> GavelResult<Verifier> {
        let evidence = self.runtime()?;
        Ok(Verifier::new(
            self.pool.clone(),
            evidence.store.clone(),
            evidence.signer.clone(),
        ))
    }

    /// Verifies one case's evidence, and records that it was checked.
    pub async fn verify(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
    ) -> GavelResult<CaseReport> {
        let verifier = self.verifier()?;
        let case = self.cases.get(guild_id, case_number).await?;
        let report = verifier
            .verify_case(guild_id, case.id, case.case_number)
            .await?;
        ModEventLogger::log(
            &self.pool,
            &event(guild_id, kinds::EVIDENCE_VERIFIED, actor_id)
                .target(case.target_id)
                .case(case.id)
                .violation(&case.violation_type)
                .data(json!({
                    "entries": report.entries,
                    "objects": report.objects,
                    "problems": report.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                })),
        )
        .await?;
        Ok(report)
    }
}
