//! Reading the audit log within the reader's scope: the entries about units the reader may
//! read in some year, and entries about no unit (criteria sets, users) for province
//! administrators. The scope is applied by the store's query, so a limit counts what the
//! reader sees and nothing outside it is fetched.

use ntm_core::UnitRegistry;
use ntm_core::access::{Action, ever_visible_units};
use ntm_store::{AuditFilter, AuditRecord, AuditScope, Store};

use crate::AppResult;
use crate::accounts::Actor;

/// The entries matching `filter` that `actor` may see, newest first.
pub async fn list(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    mut filter: AuditFilter,
) -> AppResult<Vec<AuditRecord>> {
    filter.scope = if actor.can_globally(registry, Action::ManageUsers) {
        None
    } else {
        Some(AuditScope {
            units: ever_visible_units(registry, &actor.grants)
                .into_iter()
                .collect(),
            unitless: false,
        })
    };
    Ok(store.list_audit(&filter).await?)
}
