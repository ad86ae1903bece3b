//! What evaluations read, loaded once and shared: the unit registry, the criteria
//! catalogue and the values of each year, each kept with the data version it was loaded
//! at. Every request asks the store for the current versions (one small read) and reloads
//! only a part whose version moved, so a write through any path — the web, the CLI, an
//! import in another process — is seen by the next request, and an unchanged database
//! is never re-read or re-parsed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ntm_core::{Catalogue, UnitRegistry};
use ntm_store::{DataVersions, Store};

use crate::AppResult;
use crate::evaluate::Workspace;
use crate::values::{Basis, Unapproved, ValueMap};

/// Value maps kept at most: the years pages ask for (this year, last year, all years).
const YEARS_KEPT: usize = 8;

/// The shared parts of [`Workspace`], by data version.
#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
    /// One gate per part being loaded: requests that miss the same part at once wait for
    /// the first one's load instead of each loading it (32 requests after a write at
    /// national scale would otherwise hold 32 copies of a year's values).
    gates: Mutex<HashMap<String, Arc<futures_util::lock::Mutex<()>>>>,
}

#[derive(Default)]
struct Inner {
    registry: Option<(i64, Arc<UnitRegistry>)>,
    catalogue: Option<(i64, Arc<Catalogue>)>,
    // Keyed by year (`None`: all years) and basis; the values version covers the
    // workflow too.
    values: HashMap<(Option<i32>, Basis), (i64, Arc<ValueMap>)>,
    unapproved: HashMap<Option<i32>, (i64, Arc<Unapproved>)>,
    tasks: Option<(i64, Arc<crate::tasks::TaskMaterial>)>,
    memos: HashMap<String, Memo>,
    /// A clock of reads, for evicting the memo least recently read.
    used: u64,
}

struct Memo {
    at: DataVersions,
    used: u64,
    value: Arc<dyn std::any::Any + Send + Sync>,
}

/// Results kept at most by [`Cache::memo`]: a province's scopes × years, with room.
const MEMOS_KEPT: usize = 512;

/// A locked gate; unlocked and forgotten when dropped (a request that waited on it holds
/// its own handle, so forgetting never lets two loads of one part run at once).
struct Gate<'c> {
    _held: futures_util::lock::OwnedMutexGuard<()>,
    gate: Arc<futures_util::lock::Mutex<()>>,
    key: String,
    cache: &'c Cache,
}

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        let mut gates = self.cache.gates.lock().unwrap_or_else(|e| e.into_inner());
        // Only its own: a later load of the same part may have opened a new gate.
        if gates
            .get(&self.key)
            .is_some_and(|g| Arc::ptr_eq(g, &self.gate))
        {
            gates.remove(&self.key);
        }
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    pub fn new() -> Self {
        Cache::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The cache holds no invariant a panic could break half-way: every entry is
        // replaced whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current versions, and the parts already loaded at them.
    async fn current(&self, store: &dyn Store) -> AppResult<DataVersions> {
        Ok(store.data_versions().await?)
    }

    /// The unit registry as stored now.
    pub async fn registry(&self, store: &dyn Store) -> AppResult<Arc<UnitRegistry>> {
        let v = self.current(store).await?;
        self.registry_at(store, v).await
    }

    async fn registry_at(
        &self,
        store: &dyn Store,
        v: DataVersions,
    ) -> AppResult<Arc<UnitRegistry>> {
        self.slot(
            "registry",
            |i| &mut i.registry,
            v.units,
            crate::units::load_registry(store),
        )
        .await
    }

    async fn catalogue_at(&self, store: &dyn Store, v: DataVersions) -> AppResult<Arc<Catalogue>> {
        self.slot(
            "catalogue",
            |i| &mut i.catalogue,
            v.criteria,
            crate::criteria::load(store),
        )
        .await
    }

    /// The gate of the part named `key`, locked: whoever holds it loads the part, and
    /// whoever waited finds it loaded.
    async fn gate(&self, key: &str) -> Gate<'_> {
        let gate = self
            .gates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        Gate {
            _held: gate.clone().lock_owned().await,
            gate,
            key: key.to_owned(),
            cache: self,
        }
    }

    /// The part held in `slot` if it was loaded at `version`, else `load`ed once (however
    /// many ask at once) and kept.
    async fn slot<T>(
        &self,
        key: &str,
        slot: impl Fn(&mut Inner) -> &mut Option<(i64, Arc<T>)>,
        version: i64,
        load: impl std::future::Future<Output = AppResult<T>>,
    ) -> AppResult<Arc<T>> {
        let held = |inner: &mut Inner| {
            slot(inner)
                .as_ref()
                .filter(|(at, _)| *at == version)
                .map(|(_, h)| h.clone())
        };
        if let Some(h) = held(&mut self.lock()) {
            return Ok(h);
        }
        let _gate = self.gate(key).await;
        if let Some(h) = held(&mut self.lock()) {
            return Ok(h);
        }
        // Loaded outside the lock of the cache: other parts are served meanwhile.
        let loaded = Arc::new(load.await?);
        *slot(&mut self.lock()) = Some((version, loaded.clone()));
        Ok(loaded)
    }

    async fn values_at(
        &self,
        store: &dyn Store,
        v: DataVersions,
        year: Option<i32>,
        basis: Basis,
    ) -> AppResult<Arc<ValueMap>> {
        self.per_year(
            "values",
            |i| &mut i.values,
            (year, basis),
            v.values,
            crate::values::load(store, year, basis),
        )
        .await
    }

    async fn unapproved_at(
        &self,
        store: &dyn Store,
        v: DataVersions,
        year: Option<i32>,
    ) -> AppResult<Arc<Unapproved>> {
        self.per_year(
            "unapproved",
            |i| &mut i.unapproved,
            year,
            v.values,
            crate::values::load_unapproved(store, year),
        )
        .await
    }

    /// The part held in `map` (called `name`) under `key` if it was loaded at `version`, else `load`ed
    /// once (however many ask at once) and kept beside the other keys of that version, at
    /// most [`YEARS_KEPT`] of them.
    async fn per_year<K, T>(
        &self,
        name: &str,
        map: impl Fn(&mut Inner) -> &mut HashMap<K, (i64, Arc<T>)>,
        key: K,
        version: i64,
        load: impl std::future::Future<Output = AppResult<T>>,
    ) -> AppResult<Arc<T>>
    where
        K: std::hash::Hash + Eq + std::fmt::Debug,
    {
        let held = |inner: &mut Inner| {
            map(inner)
                .get(&key)
                .filter(|(at, _)| *at == version)
                .map(|(_, m)| m.clone())
        };
        if let Some(m) = held(&mut self.lock()) {
            return Ok(m);
        }
        let _gate = self.gate(&format!("{name}|{key:?}")).await;
        if let Some(m) = held(&mut self.lock()) {
            return Ok(m);
        }
        let loaded = Arc::new(load.await?);
        let mut inner = self.lock();
        let kept = map(&mut inner);
        kept.retain(|_, (at, _)| *at == version);
        if kept.len() >= YEARS_KEPT {
            kept.clear();
        }
        kept.insert(key, (version, loaded.clone()));
        Ok(loaded)
    }

    /// The result of `compute` for `key`, computed once per data version: for derived
    /// views (a dashboard of one scope and year) that every viewer of that scope sees the
    /// same until a write. `key` must name everything the result depends on besides the
    /// stored data (the year, the viewer's grants).
    /// A failed computation is not kept.
    pub async fn memo<T, E, F>(
        &self,
        store: &dyn Store,
        key: String,
        compute: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<crate::AppError>,
        F: FnOnce() -> Result<T, E>,
    {
        self.memo_with(store, key, async move { compute() }).await
    }

    /// [`Cache::memo`] of a computation that reads the store itself (a scorecard loads its
    /// commune's values and workflow): `compute` is only awaited when nothing is kept.
    pub async fn memo_with<T, E>(
        &self,
        store: &dyn Store,
        key: String,
        compute: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<crate::AppError>,
    {
        let v = self.current(store).await.map_err(E::from)?;
        let held = |inner: &mut Inner| {
            inner.used += 1;
            let used = inner.used;
            inner
                .memos
                .get_mut(&key)
                .filter(|m| m.at == v)
                .and_then(|m| {
                    m.used = used;
                    m.value.clone().downcast::<T>().ok()
                })
        };
        if let Some(hit) = held(&mut self.lock()) {
            return Ok(hit);
        }
        let _gate = self.gate(&format!("memo|{key}")).await;
        if let Some(hit) = held(&mut self.lock()) {
            return Ok(hit);
        }
        let value = Arc::new(compute.await?);
        let mut inner = self.lock();
        inner.memos.retain(|_, m| m.at == v);
        // The least recently read goes: one scorecard per commune of a country would
        // otherwise push out the views every viewer of a province reads.
        while inner.memos.len() >= MEMOS_KEPT {
            let Some(oldest) = inner
                .memos
                .iter()
                .min_by_key(|(_, m)| m.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            inner.memos.remove(&oldest);
        }
        inner.used += 1;
        let used = inner.used;
        inner.memos.insert(
            key,
            Memo {
                at: v,
                used,
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// Every task with its reports, as stored now ([`crate::tasks::TaskMaterial`]).
    pub async fn task_material(
        &self,
        store: &dyn Store,
    ) -> AppResult<Arc<crate::tasks::TaskMaterial>> {
        let v = self.current(store).await?;
        self.slot(
            "tasks",
            |i| &mut i.tasks,
            v.tasks,
            crate::tasks::load_material(store),
        )
        .await
    }

    /// The units `grants` may read in `year` ([`ntm_core::access::visible_units`]), decided
    /// once per data version and grants: a country's viewer holds 63 grants over 15,000
    /// units, and deciding them again on every request was most of a page's cost.
    pub async fn visible_units(
        &self,
        store: &dyn Store,
        grants: &[ntm_core::access::Grant],
        year: i32,
    ) -> AppResult<Arc<std::collections::BTreeSet<ntm_core::UnitId>>> {
        let registry = self.registry(store).await?;
        self.memo(store, format!("visible|{year}|{grants:?}"), || {
            Ok::<_, crate::AppError>(ntm_core::access::visible_units(&registry, grants, year))
        })
        .await
    }

    /// The workspace of `year` (all years when `None`) on `basis`, as [`Workspace::load`]
    /// would load it now, from memory where nothing changed.
    pub async fn workspace(
        &self,
        store: &dyn Store,
        year: Option<i32>,
        basis: Basis,
    ) -> AppResult<Workspace> {
        let v = self.current(store).await?;
        Ok(Workspace {
            registry: self.registry_at(store, v).await?,
            catalogue: self.catalogue_at(store, v).await?,
            values: self.values_at(store, v, year, basis).await?,
            basis,
            unapproved: self.unapproved_at(store, v, year).await?,
            as_of: None,
        })
    }

    /// Units and the catalogue from memory, values only of `units` (all their years) from
    /// the store: enough to evaluate those communes ([`Workspace::load_units`]).
    pub async fn workspace_of_units(
        &self,
        store: &dyn Store,
        units: &[ntm_core::UnitId],
        basis: Basis,
    ) -> AppResult<Workspace> {
        let v = self.current(store).await?;
        let mut unapproved = (*self.unapproved_at(store, v, None).await?).clone();
        unapproved.retain(|(u, _), _| units.contains(u));
        Ok(Workspace {
            registry: self.registry_at(store, v).await?,
            catalogue: self.catalogue_at(store, v).await?,
            values: Arc::new(crate::values::load_units(store, units, basis).await?),
            basis,
            unapproved: Arc::new(unapproved),
            as_of: None,
        })
    }
}
