//! Webhook alerts: apply failure, rollback, verification failure, drift.
//! A webhook that fails is reported as a warning and never fails the
//! command.

use cairn_notify::{EventKind, Notification, Webhook};

/// The project's webhooks for the selected environment.
fn hooks(project: &cairn_project::Effective) -> Vec<Webhook> {
    project
        .webhooks
        .iter()
        .map(|w| Webhook {
            url: w.url.clone(),
            events: w
                .events
                .iter()
                .filter_map(|e| e.parse::<EventKind>().ok())
                .collect(),
            headers: w
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
        .collect()
}

/// Sends one event to every webhook that wants it; the body is passed
/// through the run's redactor, so no secret it knows is sent.
pub fn send(
    project: &cairn_project::Effective,
    rec: &crate::audit::Recorder,
    rt: &tokio::runtime::Runtime,
    kind: EventKind,
    command: &str,
    summary: String,
    details: serde_json::Value,
) {
    let hooks = hooks(project);
    if !hooks.iter().any(|h| h.wants(kind)) {
        return;
    }
    let mut n = Notification::new(kind, rec.run_id.clone(), command, summary).with_details(details);
    if let Some(e) = &project.environment {
        n = n.with_environment(e.clone());
    }
    let redact = |s: &str| rec.redact(s);
    let deliveries = rt.block_on(cairn_notify::send_all(&hooks, &n, &redact));
    for d in deliveries {
        // Webhook URLs often carry tokens in their path.
        let url = cairn_notify::display_url(&d.url);
        if d.ok {
            rec.line(&format!("webhook {url} notified ({})", kind.as_str()));
        } else {
            let why = d.error.unwrap_or_else(|| "failed".into());
            rec.line(&format!("webhook {url} failed: {why}"));
            eprintln!("Warning: webhook {url} was not notified: {why}");
        }
    }
}
