//! How the operator and the plugin read an API server's refusal: one rendering
//! and one test per status, so both say and decide the same.

/// The part of a client error a user acts on: the API server's own message for a
/// refusal (it names the field and the rule), the transport error otherwise.
pub fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    }
}

/// The object does not exist (404).
pub fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 404)
}

/// The write lost a race: the object exists already, or changed since it was
/// read (409).
pub fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 409)
}

/// The user or service account may not do this (403).
pub fn is_forbidden(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 403)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: u16, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(
            kube::core::Status::failure(message, "Invalid").with_code(code),
        ))
    }

    #[test]
    fn the_servers_message_is_what_a_user_reads() {
        assert_eq!(
            describe(&refusal(422, "spec.replicas: must be at least 0")),
            "spec.replicas: must be at least 0"
        );
        assert!(is_not_found(&refusal(404, "gone")));
        assert!(!is_not_found(&refusal(409, "exists")));
        assert!(is_conflict(&refusal(409, "exists")));
        assert!(!is_conflict(&refusal(404, "gone")));
    }
}
