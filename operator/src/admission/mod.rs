//! The validating admission webhook: rules that need the old object, the Odoo
//! version or other objects, answered over HTTPS (warp routes on rustls).
//!
//! Everything the CRD schema and its CEL rules can say stays there; these rules
//! cover the rest, so `kubectl apply` fails at once with a message that says what
//! to do instead of the operator reverting a change later.

pub mod instance_rules;
pub mod job_rules;
pub mod lookup;
pub mod odoo_options;
pub mod server;
pub mod tls;
pub mod verdict;

#[cfg(test)]
mod fuzz_tests;

use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use odoo_model::OdooInstance;
use serde_json::Value;

use instance_rules::Requester;
use lookup::{KubeLookup, Lookup};
pub use verdict::Verdict;

/// What the handler needs besides the request.
#[derive(Clone)]
pub struct AdmissionState {
    pub lookup: KubeLookup,
    /// The username the operator's own requests carry.
    pub operator_user: String,
    /// The operator's default image, for instances that name none yet.
    pub default_image: String,
}

/// Answers one request body. Always a well-formed AdmissionReview: a body that is
/// not one gets a refusal naming the problem.
pub async fn review(body: &[u8], state: &AdmissionState) -> AdmissionReview<DynamicObject> {
    review_with(
        body,
        &state.lookup,
        &state.operator_user,
        &state.default_image,
    )
    .await
}

pub(crate) async fn review_with<L: Lookup>(
    body: &[u8],
    lookup: &L,
    operator_user: &str,
    default_image: &str,
) -> AdmissionReview<DynamicObject> {
    let mut review = answer(body, lookup, operator_user, default_image).await;
    // The only version registered; an answer never echoes a malformed type back.
    review.types = kube::core::TypeMeta {
        api_version: "admission.k8s.io/v1".into(),
        kind: "AdmissionReview".into(),
    };
    review
}

async fn answer<L: Lookup>(
    body: &[u8],
    lookup: &L,
    operator_user: &str,
    default_image: &str,
) -> AdmissionReview<DynamicObject> {
    let review: AdmissionReview<DynamicObject> = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return AdmissionResponse::invalid(format!("not an AdmissionReview: {e}"))
                .into_review();
        }
    };
    let request: AdmissionRequest<DynamicObject> = match review.try_into() {
        Ok(r) => r,
        Err(_) => {
            return AdmissionResponse::invalid("the AdmissionReview has no request").into_review();
        }
    };
    let verdict = match decide(&request, lookup, operator_user, default_image).await {
        Ok(v) => v,
        Err(message) => Verdict::Deny(message),
    };
    let mut response = AdmissionResponse::from(&request);
    match verdict {
        Verdict::Allow { warnings } if !warnings.is_empty() => response.warnings = Some(warnings),
        Verdict::Allow { .. } => {}
        Verdict::Deny(message) => response = response.deny(message),
    }
    response.into_review()
}

async fn decide<L: Lookup>(
    request: &AdmissionRequest<DynamicObject>,
    lookup: &L,
    operator_user: &str,
    default_image: &str,
) -> Result<Verdict, String> {
    if !matches!(request.operation, Operation::Create | Operation::Update) {
        return Ok(Verdict::allow());
    }
    let object = match &request.object {
        Some(o) => to_value(o)?,
        None => return Err("the request carries no object".into()),
    };
    let kind = request.kind.kind.as_str();
    if kind == "OdooInstance" {
        let new: OdooInstance = from_value(object)?;
        let old: Option<OdooInstance> = match (&request.operation, &request.old_object) {
            (Operation::Update, Some(old)) => Some(from_value(to_value(old)?)?),
            _ => None,
        };
        let who = if request.user_info.username.as_deref() == Some(operator_user) {
            Requester::Operator
        } else {
            Requester::User
        };
        return Ok(instance_rules::check(
            old.as_ref(),
            &new,
            who,
            default_image,
        ));
    }
    if job_rules::KINDS.contains(&kind) && request.operation == Operation::Create {
        let namespace = request.namespace.as_deref().unwrap_or_default();
        return job_rules::check(lookup, kind, namespace, object)
            .await
            .map_err(|e| e.to_string());
    }
    Ok(Verdict::allow())
}

fn to_value(o: &DynamicObject) -> Result<Value, String> {
    serde_json::to_value(o).map_err(|e| format!("the object cannot be read: {e}"))
}

fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("the object cannot be read: {e}"))
}
