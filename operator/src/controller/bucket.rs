//! The operator's own look into a backup bucket, with the namespace's credentials:
//! what it checks after the agent claims to have stored or deleted an archive.

use std::time::Duration;

use object_store::ObjectStoreExt as _;
use object_store::aws::AmazonS3;
use odoo_model::Location;
use odoo_model::common::S3Bucket;

use crate::runtime::context::Context;
use crate::runtime::error::Error;
use crate::runtime::observe;

/// A client for bucket `name` as `bucket` describes it, with the credentials of
/// its Secret in namespace `ns`.
pub async fn store(
    ctx: &Context,
    ns: &str,
    bucket: &S3Bucket,
    name: &str,
) -> Result<AmazonS3, Error> {
    let creds = &bucket.credentials;
    let secret = |key: &str| {
        let key = key.to_owned();
        async move {
            observe::secret_value(ctx, ns, &creds.secret_name, &key)
                .await?
                .ok_or_else(|| {
                    Error::InvalidSpec(format!(
                        "Secret {} has no key {key} for the bucket's credentials",
                        creds.secret_name
                    ))
                })
        }
    };
    let connection = odoo_model::s3::Connection::of(
        bucket,
        name,
        secret(&creds.access_key_id_key).await?,
        secret(&creds.secret_access_key_key).await?,
    );
    let timeouts = odoo_model::s3::Timeouts::Requests(Duration::from_secs(30));
    let store = connection
        .build(timeouts, 2, Duration::from_secs(30))
        .map_err(|e| Error::InvalidSpec(format!("the bucket's S3 settings: {e}")))?;
    Ok(store)
}

/// Whether the archive at `location` (as the backup recorded it) is gone from the
/// bucket, asked by the operator itself: `Ok(what was found gone)` or `Err(what is
/// still there)`, a proof as `proof::Checked` is. `Err(Error)` when the bucket could
/// not be asked (retried).
pub async fn gone(
    ctx: &Context,
    ns: &str,
    bucket: &S3Bucket,
    location: &Location,
) -> Result<Result<String, String>, Error> {
    let Some((name, key)) = location.as_s3() else {
        return Ok(Err(format!("{location} is not an s3:// location")));
    };
    let store = store(ctx, ns, bucket, name).await?;
    match store.head(&object_store::path::Path::from(key)).await {
        Err(object_store::Error::NotFound { .. }) => Ok(Ok(format!(
            "{location} is gone, checked in the bucket by the operator"
        ))),
        Ok(meta) => Ok(Err(format!(
            "{location} is still in the bucket ({} bytes)",
            meta.size
        ))),
        Err(e) => Err(Error::Storage(format!("checking {location}: {e}"))),
    }
}
