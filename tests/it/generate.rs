//! The benchmarks' data generator: the shape the spec promises, counted back from the database, and the same
//! seed giving the same rows.

use partnerfit::domain::Stage;
use partnerfit::generate::{generate, Spec};
use partnerfit::store::{PartnerFilter, Store};

#[tokio::test]
async fn a_generated_workspace_has_the_promised_shape_and_repeats_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        workspace: "gen".into(),
        partners: 40,
        seed: 7,
        until: "2026-11-26".parse().unwrap(),
    };
    let mut snapshots = Vec::new();
    for run in 0..2 {
        let url = format!("sqlite://{}/gen{run}.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        let c = generate(&store, &spec).await.unwrap();
        // 4 types × 5 traits; 10 records per partner per trait; 104 weeks per signed partner.
        assert_eq!((c.profiles, c.traits, c.partners), (4, 20, 40));
        assert_eq!(c.evidence, 40 * 5 * 10);
        assert_eq!(c.allocations, c.signed * 104);
        let signed = store
            .partners(
                "gen",
                &PartnerFilter {
                    stage: Some(Stage::Signed),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(signed.len(), c.signed);
        assert!(c.signed > 0 && c.signed < 40, "{c:?}");
        let profiles = store.active_profiles("gen").await.unwrap();
        assert_eq!(profiles.len(), 4);
        assert!(profiles.iter().all(|p| p.traits.len() == 5));
        let snapshot = store.snapshot(Some("gen")).await.unwrap();
        assert!(snapshot.contains(&format!("# evidence: {}\n", 40 * 5 * 10)));
        snapshots.push(snapshot);
        store.close().await;
    }
    assert_eq!(
        snapshots[0], snapshots[1],
        "the same seed must give the same rows"
    );
}
