//! The review gate: signing, storing and verifying approvals, and each
//! refusal.

use cairn_approve::store;
use cairn_approve::{
    verify, Accepted, Approval, GatePolicy, PlanIdentity, PrivateKey, Reason, Refusal,
};

fn plan() -> PlanIdentity {
    PlanIdentity {
        plan_digest: "a".repeat(64),
        state_lineage: "8d1c2f7e-lineage".into(),
        state_serial: 7,
        config_digest: "c".repeat(64),
    }
}

const TIME: &str = "2026-11-01T12:00:00Z";

struct Team {
    alice: PrivateKey,
    bob: PrivateKey,
    mallory: PrivateKey,
}

fn team() -> Team {
    Team {
        alice: PrivateKey::generate("alice"),
        bob: PrivateKey::generate("bob"),
        mallory: PrivateKey::generate("mallory"),
    }
}

/// Alice and Bob are the reviewers; `required` of them must approve.
fn policy(t: &Team, required: usize) -> GatePolicy {
    GatePolicy {
        reviewers: vec![t.alice.public(), t.bob.public()],
        required,
    }
}

fn sign(k: &PrivateKey, p: &PlanIdentity) -> Approval {
    Approval::sign_at(p, k, TIME)
}

#[test]
fn two_of_two_accepted() {
    let t = team();
    let p = plan();
    let approvals = [sign(&t.alice, &p), sign(&t.bob, &p)];
    let ok = verify(&p, &approvals, &policy(&t, 2)).unwrap();
    assert_eq!(
        ok,
        Accepted {
            approvers: vec![
                format!("alice ({})", t.alice.public().fingerprint()),
                format!("bob ({})", t.bob.public().fingerprint()),
            ],
            ignored: vec![],
        }
    );
}

#[test]
fn too_few_approvals_one_of_two() {
    let t = team();
    let p = plan();
    let e = verify(&p, &[sign(&t.alice, &p)], &policy(&t, 2)).unwrap_err();
    assert_eq!(
        e,
        Refusal::TooFewApprovals {
            valid: 1,
            required: 2,
            rejected: vec![],
        }
    );
    assert!(
        e.to_string().contains("1 valid approval(s) of the 2"),
        "{e}"
    );
    // And none at all.
    let e = verify(&p, &[], &policy(&t, 1)).unwrap_err();
    assert!(matches!(
        e,
        Refusal::TooFewApprovals {
            valid: 0,
            required: 1,
            ..
        }
    ));
}

#[test]
fn unknown_key_refused() {
    let t = team();
    let p = plan();
    let approvals = [sign(&t.alice, &p), sign(&t.mallory, &p)];
    let e = verify(&p, &approvals, &policy(&t, 2)).unwrap_err();
    let Refusal::UnknownKey {
        valid,
        required,
        rejected,
    } = &e
    else {
        panic!("expected UnknownKey, got {e:?}");
    };
    assert_eq!((*valid, *required), (1, 2));
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].fingerprint, t.mallory.public().fingerprint());
    assert_eq!(rejected[0].reason, Reason::UnknownKey);
    assert!(e.to_string().contains("mallory"), "{e}");

    // Enough listed reviewers approved: the outsider's approval is only
    // reported, never counted.
    let ok = verify(&p, &approvals, &policy(&t, 1)).unwrap();
    assert_eq!(ok.approvers.len(), 1);
    assert_eq!(ok.ignored.len(), 1);
}

#[test]
fn tampered_plan_refused() {
    // Both approved; then the plan changed (its digest is not the one
    // they signed).
    let t = team();
    let approved = plan();
    let approvals = [sign(&t.alice, &approved), sign(&t.bob, &approved)];
    let mut changed = approved.clone();
    changed.plan_digest = "b".repeat(64);
    let e = verify(&changed, &approvals, &policy(&t, 2)).unwrap_err();
    let Refusal::WrongPlan {
        valid, rejected, ..
    } = &e
    else {
        panic!("expected WrongPlan, got {e:?}");
    };
    assert_eq!(*valid, 0);
    assert_eq!(rejected.len(), 2);
    assert!(
        matches!(&rejected[0].reason, Reason::WrongPlan { field, .. } if field == "plan_digest")
    );
    assert!(e.to_string().contains("changed after"), "{e}");

    // The configuration changing is the same kind of refusal.
    let mut reconfigured = approved.clone();
    reconfigured.config_digest = "d".repeat(64);
    let e = verify(&reconfigured, &approvals, &policy(&t, 2)).unwrap_err();
    assert!(matches!(e, Refusal::WrongPlan { .. }), "{e:?}");
}

#[test]
fn tampered_approval_document_refused() {
    // Bob's approval was for another plan; someone edits its digest to
    // this plan's. The signature no longer matches.
    let t = team();
    let p = plan();
    let mut other = p.clone();
    other.plan_digest = "e".repeat(64);
    let mut forged = sign(&t.bob, &other);
    forged.plan_digest = p.plan_digest.clone();
    let approvals = [sign(&t.alice, &p), forged];
    let e = verify(&p, &approvals, &policy(&t, 1)).unwrap_err();
    // Refused although Alice's approval alone would have been enough.
    let Refusal::BadSignature {
        fingerprint,
        reviewer,
        ..
    } = &e
    else {
        panic!("expected BadSignature, got {e:?}");
    };
    assert_eq!(fingerprint, &t.bob.public().fingerprint());
    assert_eq!(reviewer, "bob");
}

#[test]
fn stale_plan_refused() {
    // Approved against serial 7; the plan is now against serial 8.
    let t = team();
    let approved = plan();
    let approvals = [sign(&t.alice, &approved), sign(&t.bob, &approved)];
    let mut moved = approved.clone();
    moved.state_serial = 8;
    let e = verify(&moved, &approvals, &policy(&t, 2)).unwrap_err();
    let Refusal::StaleState { rejected, .. } = &e else {
        panic!("expected StaleState, got {e:?}");
    };
    assert!(matches!(
        rejected[0].reason,
        Reason::StaleState {
            approved_serial: 7,
            plan_serial: 8,
            ..
        }
    ));
    assert!(e.to_string().contains("state moved on"), "{e}");

    let mut other_lineage = approved.clone();
    other_lineage.state_lineage = "another".into();
    let e = verify(&other_lineage, &approvals, &policy(&t, 2)).unwrap_err();
    assert!(matches!(e, Refusal::StaleState { .. }), "{e:?}");
}

#[test]
fn duplicates_count_once() {
    let t = team();
    let p = plan();
    let a1 = sign(&t.alice, &p);
    let a2 = Approval::sign_at(&p, &t.alice, "2026-11-02T08:00:00Z");
    let approvals = [a1.clone(), a1, a2];
    let e = verify(&p, &approvals, &policy(&t, 2)).unwrap_err();
    assert_eq!(
        e,
        Refusal::TooFewApprovals {
            valid: 1,
            required: 2,
            rejected: vec![],
        }
    );
    let ok = verify(&p, &approvals, &policy(&t, 1)).unwrap();
    assert_eq!(ok.approvers.len(), 1);
}

#[test]
fn duplicate_reviewer_in_policy_does_not_lower_the_bar() {
    let t = team();
    let p = plan();
    let pol = GatePolicy {
        reviewers: vec![t.alice.public(), t.alice.public()],
        required: 2,
    };
    let e = verify(&p, &[sign(&t.alice, &p)], &pol).unwrap_err();
    assert!(matches!(e, Refusal::InvalidPolicy { .. }), "{e:?}");
    let pol = GatePolicy {
        reviewers: vec![t.alice.public()],
        required: 0,
    };
    assert!(matches!(
        verify(&p, &[], &pol),
        Err(Refusal::InvalidPolicy { .. })
    ));
}

#[test]
fn mixed_reasons_are_listed() {
    let t = team();
    let p = plan();
    let mut old = p.clone();
    old.state_serial = 6;
    let approvals = [sign(&t.bob, &old), sign(&t.mallory, &p)];
    let e = verify(&p, &approvals, &policy(&t, 1)).unwrap_err();
    let Refusal::TooFewApprovals { rejected, .. } = &e else {
        panic!("expected TooFewApprovals, got {e:?}");
    };
    assert_eq!(rejected.len(), 2);
    let text = e.to_string();
    assert!(text.contains("bob") && text.contains("mallory"), "{text}");
}

#[test]
fn a_newer_approval_supersedes_ones_for_older_plans() {
    let t = team();
    let p = plan();
    let mut old = p.clone();
    old.plan_digest = "0".repeat(64);
    let approvals = [sign(&t.alice, &old), sign(&t.alice, &p), sign(&t.bob, &p)];
    let ok = verify(&p, &approvals, &policy(&t, 2)).unwrap();
    assert_eq!(ok.approvers.len(), 2);
    assert!(ok.ignored.is_empty());
}

/// A change made to an approval document.
type Edit = Box<dyn Fn(&mut Approval)>;

/// Every field is covered by the signature: changing any one of them makes
/// the approval fail verification.
#[test]
fn signature_covers_every_field() {
    let t = team();
    let p = plan();
    let pol = policy(&t, 1);
    let good = sign(&t.alice, &p);
    assert!(verify(&p, std::slice::from_ref(&good), &pol).is_ok());

    let bob = t.bob.public();
    let edits: Vec<(&str, Edit)> = vec![
        ("version", Box::new(|a| a.version = 2)),
        ("plan_digest", Box::new(|a| a.plan_digest.push('0'))),
        ("state_lineage", Box::new(|a| a.state_lineage.push('x'))),
        ("state_serial", Box::new(|a| a.state_serial += 1)),
        ("config_digest", Box::new(|a| a.config_digest.push('0'))),
        ("reviewer", Box::new(|a| a.reviewer = "bob".into())),
        ("public_key", {
            let b = bob.to_base64();
            Box::new(move |a| a.public_key = b.clone())
        }),
        ("public_key and fingerprint", {
            let (b, f) = (bob.to_base64(), bob.fingerprint());
            Box::new(move |a| {
                a.public_key = b.clone();
                a.fingerprint = f.clone();
            })
        }),
        (
            "fingerprint",
            Box::new(|a| a.fingerprint = "0123456789abcdef".into()),
        ),
        ("time", Box::new(|a| a.time = "2026-11-01T12:00:01Z".into())),
        (
            "signature",
            Box::new(|a| {
                use base64::Engine as _;
                let b64 = base64::engine::general_purpose::STANDARD;
                let mut raw = b64.decode(&a.signature).unwrap();
                raw[10] ^= 1;
                a.signature = b64.encode(raw);
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut a = good.clone();
        edit(&mut a);
        assert_ne!(a, good, "{what}: the edit changed nothing");
        assert!(a.check_signature().is_err(), "{what}: still verifies");
        let e = verify(&p, &[a], &pol).unwrap_err();
        assert!(
            matches!(e, Refusal::BadSignature { .. }),
            "{what}: got {e:?}"
        );
    }
}

#[test]
fn signed_bytes_are_domain_separated_and_documented() {
    let t = team();
    let a = sign(&t.alice, &plan());
    let bytes = String::from_utf8(a.signed_bytes()).unwrap();
    let expected = format!(
        "cairn-approval-v1\nversion=1\nplan_digest=\"{}\"\nstate_lineage=\"8d1c2f7e-lineage\"\nstate_serial=7\nconfig_digest=\"{}\"\nreviewer=\"alice\"\npublic_key=\"{}\"\nfingerprint=\"{}\"\ntime=\"{TIME}\"\n",
        "a".repeat(64),
        "c".repeat(64),
        t.alice.public().to_base64(),
        t.alice.public().fingerprint(),
    );
    assert_eq!(bytes, expected);

    // The same key's signature over the bytes without the prefix does not
    // pass as an approval.
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let bare = &expected.as_bytes()[cairn_approve::DOMAIN.len()..];
    let sig = t.alice.signing_key().sign(bare);
    let mut replayed = a.clone();
    replayed.signature = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
    assert!(replayed.check_signature().is_err());
}

#[test]
fn a_value_cannot_forge_another_line() {
    // A reviewer name holding a line end is escaped, so it cannot pose as
    // another field in the signed bytes.
    let t = team();
    let mut a = sign(&t.alice, &plan());
    a.reviewer = "x\ntime=\"1\"".into();
    assert_eq!(
        String::from_utf8(a.signed_bytes()).unwrap().lines().count(),
        10
    );
}

#[test]
fn json_round_trip_and_unknown_fields_refused() {
    let t = team();
    let a = sign(&t.alice, &plan());
    let text = a.to_json();
    assert_eq!(Approval::from_json(&text).unwrap(), a);
    for field in [
        "version",
        "plan_digest",
        "state_lineage",
        "state_serial",
        "config_digest",
        "reviewer",
        "public_key",
        "fingerprint",
        "time",
        "signature",
    ] {
        assert!(text.contains(&format!("\"{field}\"")), "{field} missing");
    }
    // A field the signature does not cover is not accepted.
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["approved_destroy"] = serde_json::Value::Bool(true);
    assert!(Approval::from_json(&doc.to_string()).is_err());
}

#[test]
fn store_keeps_one_approval_per_reviewer() {
    let tmp = tempfile::tempdir().unwrap();
    let plan_file = tmp.path().join("p.plan");
    std::fs::write(&plan_file, "{}").unwrap();
    let t = team();
    let p = plan();

    assert!(store::load(&plan_file).unwrap().is_empty());
    let path = store::save(&plan_file, &sign(&t.alice, &p)).unwrap();
    assert_eq!(
        path,
        tmp.path()
            .join("p.plan.approvals")
            .join(format!("{}.json", t.alice.public().fingerprint()))
    );
    store::save(&plan_file, &sign(&t.bob, &p)).unwrap();
    // Alice approves again (later): her file is replaced, not added.
    let again = Approval::sign_at(&p, &t.alice, "2026-11-03T00:00:00Z");
    store::save(&plan_file, &again).unwrap();

    let loaded = store::load_approvals(&plan_file).unwrap();
    assert_eq!(loaded.len(), 2);
    assert!(loaded.contains(&again));
    assert!(verify(&p, &loaded, &policy(&t, 2)).is_ok());
}

#[test]
fn store_refuses_damaged_files_and_odd_fingerprints() {
    let tmp = tempfile::tempdir().unwrap();
    let plan_file = tmp.path().join("p.plan");
    let t = team();
    store::save(&plan_file, &sign(&t.alice, &plan())).unwrap();
    let junk = store::approvals_dir(&plan_file).join("zzz.json");
    std::fs::write(&junk, "not json").unwrap();
    let e = store::load(&plan_file).unwrap_err();
    assert!(matches!(e, store::StoreError::Malformed { .. }), "{e:?}");
    assert!(e.to_string().contains("zzz.json"), "{e}");

    let mut a = sign(&t.bob, &plan());
    a.fingerprint = "../../escape".into();
    assert!(matches!(
        store::save(&plan_file, &a),
        Err(store::StoreError::BadFingerprint(_))
    ));
}
