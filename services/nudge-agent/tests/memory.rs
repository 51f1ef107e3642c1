//! Long-term memory by SMS, on SQLite and (ignored unless asked) PostgreSQL:
//! remember, merge duplicates, supersede a contradicted fact (kept as
//! history), recall by relevance, forget one, forget everything after "yes".

mod common;

use common::{Backend, Harness, OTHER_USER, USER};

async fn remember_recall_forget(backend: Backend) {
    let mut h = Harness::start(backend, "en").await;
    let (intent, reply) = h.say("remember my sister is Léa").await;
    assert_eq!(intent, "remember");
    assert_eq!(reply, "Got it, I'll remember: my sister is Léa");
    // The same fact again: merged, not stored twice.
    let (_, reply) = h.say("Remember: my sister is Léa.").await;
    assert_eq!(reply, "I already knew that: my sister is Léa");
    assert_eq!(
        h.memories(USER).await,
        vec![("my sister is Léa".to_owned(), "active".to_owned())]
    );
    // A newer contradicting fact wins; the older stays as history.
    let (_, reply) = h.say("my sister is Zoé").await;
    assert_eq!(reply, "Updated: my sister is Zoé (before: my sister is Léa)");
    let (_, reply) = h.say("retiens que je prends mes médicaments à 8h").await;
    assert_eq!(reply, "C'est noté, je retiens : je prends mes médicaments à 8h");
    let (_, reply) = h.say("souviens-toi que je prends mes médicaments à 9h").await;
    assert_eq!(
        reply,
        "Mis à jour : je prends mes médicaments à 9h (avant : je prends mes médicaments à 8h)"
    );
    assert_eq!(
        h.memories(USER).await,
        vec![
            ("my sister is Léa".to_owned(), "superseded".to_owned()),
            ("my sister is Zoé".to_owned(), "active".to_owned()),
            ("je prends mes médicaments à 8h".to_owned(), "superseded".to_owned()),
            ("je prends mes médicaments à 9h".to_owned(), "active".to_owned()),
        ]
    );
    // Relative dates are stored as absolute ones.
    let (_, reply) = h.say("remember my exam is tomorrow").await;
    let tomorrow = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris) + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(reply, format!("Got it, I'll remember: my exam is on {tomorrow}"));
    // Recall: everything (newest first), or by relevance.
    let (intent, reply) = h.say("what do you know about me?").await;
    assert_eq!(intent, "recall");
    assert!(reply.starts_with("What I know about you:\n1. my exam is on"), "{reply}");
    assert!(reply.contains("my sister is Zoé") && !reply.contains("Léa"), "{reply}");
    let (_, reply) = h.say("who is my sister?").await;
    assert_eq!(
        reply,
        "What I know about you:\n1. my sister is Zoé\nText FORGET 1 to remove one."
    );
    let (_, reply) = h.say("qu'est-ce que tu sais sur moi").await;
    assert!(reply.starts_with("Ce que je sais sur toi :\n1. "), "{reply}");
    // Another person sees none of it.
    let (_, reply) = h.say_as(OTHER_USER, "what do you know about me").await;
    assert!(reply.starts_with("I don't know anything about you yet."), "{reply}");
    // Forget one (with its history).
    let (intent, reply) = h.say("forget my sister").await;
    assert_eq!(intent, "forget");
    assert_eq!(reply, "Forgotten: my sister is Zoé");
    assert!(h.memories(USER).await.iter().all(|(text, _)| !text.contains("sister")));
    let (_, reply) = h.say("forget the bicycle").await;
    assert!(reply.starts_with("I couldn't find that"), "{reply}");
    // Forget everything waits for a yes; anything else in between cancels it.
    let (intent, reply) = h.say("forget everything").await;
    assert_eq!(intent, "forget_all");
    assert!(reply.contains("Reply YES"), "{reply}");
    h.say("list").await;
    let (_, reply) = h.say("yes").await;
    assert!(reply.starts_with("Nothing is waiting for a yes"), "{reply}");
    assert_eq!(h.memories(USER).await.len(), 3);
    h.say("oublie tout").await;
    let (_, reply) = h.say("non").await;
    assert_eq!(reply, "D'accord, je ne change rien.");
    assert_eq!(h.memories(USER).await.len(), 3);
    h.say("oublie tout").await;
    let (_, reply) = h.say("oui").await;
    assert_eq!(reply, "C'est fait, j'ai oublié tout ce que je savais sur toi.");
    assert!(h.memories(USER).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_by_sms_on_sqlite() {
    remember_recall_forget(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL"]
async fn memory_by_sms_on_postgres() {
    remember_recall_forget(Backend::Postgres).await;
}
