//! History and panel views read a bounded page of a user's strikes and notes, with the totals.

use crate::support::app::*;
use gavel::services::ActionRequest;

const STRIKES: i64 = 60;
const NOTES: usize = 60;

#[tokio::test]
async fn history_reads_a_bounded_page_of_strikes_and_notes_with_the_totals() {
    let app = spawn_app().await;
    app.configure("escalation", "none").await;
    let warned = app
        .services
        .moderation
        .warn(ActionRequest::new(GUILD, MODERATOR, MEMBER).violation(Some("spam")))
        .await
        .unwrap();
    assert!(warned.success);
    let case = app.case_row(1).await;
    // A long record: 59 more one-point strikes on the same case, one of them void and one
    // expired.
    sqlx::query(
        "INSERT INTO strikes (guild_id, user_id, case_id, points, violation_type, expires_at)
         SELECT $1, $2, $3, 1, 'spam', now() + interval '90 days' FROM generate_series(1, $4)",
    )
    .bind(GUILD as i64)
    .bind(MEMBER as i64)
    .bind(case.id)
    .bind(STRIKES - 1)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE strikes SET voided_at = now(), voided_by = $1, void_reason = 'test'
         WHERE id = (SELECT min(id) FROM strikes)",
    )
    .bind(SENIOR_MOD as i64)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE strikes SET expires_at = now() - interval '1 day'
         WHERE id = (SELECT min(id) + 1 FROM strikes)",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    for n in 0..NOTES {
        app.services
            .notes
            .add(GUILD, MODERATOR, MEMBER, &format!("note {n}"))
            .await
            .unwrap();
    }

    let history = app.services.cases.history(GUILD, MEMBER, 10).await.unwrap();
    assert_eq!(history.strikes.len(), 10, "a bounded page of strikes");
    assert!(
        history.strikes.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    assert_eq!(
        history.total_strikes, STRIKES,
        "every strike on record is counted"
    );
    assert_eq!(history.standing.active_points, 58);
    assert_eq!(history.notes_count, NOTES as i64);
    let totals = app.services.warnings.totals(GUILD, MEMBER).await.unwrap();
    assert_eq!(
        (totals.on_record, totals.active, totals.active_points),
        (STRIKES, STRIKES - 2, 58)
    );
    assert_eq!(
        app.services
            .warnings
            .strikes(GUILD, MEMBER)
            .await
            .unwrap()
            .len() as i64,
        gavel::services::warnings::STRIKES_READ.min(STRIKES)
    );

    let counts = app.services.warnings.counts(GUILD, MEMBER).await.unwrap();
    assert_eq!(counts.active_strikes, STRIKES - 2);
    assert_eq!(counts.active_points, 58);
    assert_eq!(counts.warnings, 1);

    let notes = app.services.notes.list(GUILD, MEMBER).await.unwrap();
    assert_eq!(notes.len(), 20, "a bounded page of notes");
    assert_eq!(notes[0].content, "note 59", "newest first");
    let (page, total) = app.services.notes.recent(GUILD, MEMBER, 5).await.unwrap();
    assert_eq!((page.len(), total), (5, NOTES as i64));

    // The history embed says how much it shows.
    let (embed, _) = gavel::discord::interactions::pagination::history_page(
        &app.services,
        GUILD,
        MEMBER,
        0,
        MODERATOR,
    )
    .await
    .unwrap();
    let shown = serde_json::to_string(&embed).unwrap();
    assert!(shown.contains("showing 10 of 60"), "{shown}");
}
