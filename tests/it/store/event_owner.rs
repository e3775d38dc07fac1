//! Who holds an event id (`Store::hold_event`, migration 0011), on both backends: every take writes its
//! delivery's owner token (the store's random id and a counter, `Store::next_event_owner`), and a delivery whose
//! take could not say asks afterwards whether the id is its own — taken now if still free, its own take if that
//! committed after all; not when another delivery took it (of another store, or another delivery of the same
//! event in this one); unknown when a version without owners did.

use super::{open, WS};
use crate::support::db::both_backends;
use crate::support::{utc, Db, TestDb};
use partnerfit::store::{Held, Store};

both_backends!(the_owner_of_an_event_id_decides_who_holds_it);

/// The owner written on the row of `key`.
async fn owner_of(store: &Store, key: &str) -> Option<String> {
    sqlx::query_scalar("SELECT owner FROM delivered_events WHERE event_key = $1")
        .bind(key)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A free id is taken by `hold_event` with the asking delivery as its owner; an id a delivery took (by
/// `hold_event` or `take_event`) is held by that delivery; one another delivery took is not — of another
/// store, or of the same store (a redelivery); one taken before owners were written (NULL) is unknown; and
/// asking changes no row.
async fn the_owner_of_an_event_id_decides_who_holds_it(db: Db) {
    let db = TestDb::new(db).await;
    let mine = open(&db).await;
    let other = open(&db).await;
    assert_ne!(mine.event_owner(), other.event_owner(), "one id per store");
    assert_eq!(mine.event_owner().len(), 32, "{}", mine.event_owner());
    let (first, second) = (mine.next_event_owner(), mine.next_event_owner());
    assert_ne!(first, second, "one token per delivery");
    assert!(
        first.starts_with(&format!("{}:", mine.event_owner())),
        "{first}"
    );
    let theirs = other.next_event_owner();
    let now = utc(2026, 11, 26, 12, 0);

    // free: taken now, by this delivery
    assert_eq!(
        mine.hold_event("discord:1", WS, now, &first).await.unwrap(),
        Held::Ours
    );
    assert_eq!(
        owner_of(&mine, "discord:1").await.as_deref(),
        Some(first.as_str())
    );
    // and then a repeat for any take, held by this delivery only: not by another delivery of the same process
    assert_eq!(
        mine.take_event("discord:1", WS, now, &first).await.unwrap(),
        None
    );
    assert_eq!(
        mine.hold_event("discord:1", WS, now, &first).await.unwrap(),
        Held::Ours
    );
    assert_eq!(
        mine.hold_event("discord:1", WS, now, &second)
            .await
            .unwrap(),
        Held::Another
    );
    assert_eq!(
        other
            .hold_event("discord:1", WS, now, &theirs)
            .await
            .unwrap(),
        Held::Another
    );

    // taken by the other store's take: not this store's, the other's
    assert!(other
        .take_event("discord:2", WS, now, &theirs)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        owner_of(&mine, "discord:2").await.as_deref(),
        Some(theirs.as_str())
    );
    assert_eq!(
        mine.hold_event("discord:2", WS, now, &first).await.unwrap(),
        Held::Another
    );
    assert_eq!(
        other
            .hold_event("discord:2", WS, now, &theirs)
            .await
            .unwrap(),
        Held::Ours
    );

    // taken by this delivery's take (a take that timed out and committed all the same): held
    assert!(mine
        .take_event("discord:3", WS, now, &second)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        mine.hold_event("discord:3", WS, now, &second)
            .await
            .unwrap(),
        Held::Ours
    );
    // a delivery of its own (a new token): no other delivery holds it
    assert!(mine
        .take_event("discord:5", WS, now, &mine.next_event_owner())
        .await
        .unwrap()
        .is_some());
    let taken = owner_of(&mine, "discord:5").await.unwrap();
    assert!(
        taken.starts_with(&format!("{}:", mine.event_owner())),
        "{taken}"
    );
    assert_eq!(
        mine.hold_event("discord:5", WS, now, &first).await.unwrap(),
        Held::Another
    );

    // taken before migration 0011 (or by a binary without owners, during a rolling upgrade): unknown
    sqlx::query(
        "INSERT INTO delivered_events (event_key, workspace_id, seen_at) \
         VALUES ('discord:4', $1, '2026-11-26T11:00:00.000000Z')",
    )
    .bind(WS)
    .execute(mine.pool())
    .await
    .unwrap();
    assert_eq!(
        mine.hold_event("discord:4", WS, now, &first).await.unwrap(),
        Held::Unknown
    );
    assert_eq!(
        other
            .hold_event("discord:4", WS, now, &theirs)
            .await
            .unwrap(),
        Held::Unknown
    );
    assert_eq!(owner_of(&mine, "discord:4").await, None, "left as it was");

    assert_eq!(mine.remembered_events().await.unwrap(), 5);
    mine.close().await;
    other.close().await;
}
