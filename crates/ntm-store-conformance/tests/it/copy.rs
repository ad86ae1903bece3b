//! Copies between stores (`ntm_store::copy`, `ntm copy`): every behaviour of
//! `ntm_store_conformance::COPY_BEHAVIOURS` from each backend into each, so that a value
//! that would not survive SQLite → PostgreSQL or back is found here. SQLite to SQLite
//! always runs; the pairs with PostgreSQL are ignored unless asked for, like the other
//! PostgreSQL tests.

use crate::backends::{TempSqlite, with_postgres};

macro_rules! copies {
    ($($behaviour:ident),+ $(,)?) => {
        mod sqlite_to_sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let (source, target) = (TempSqlite::new().await, TempSqlite::new().await);
                    ntm_store_conformance::$behaviour(source.store(), target.store()).await;
                }
            )+
        }

        mod sqlite_to_postgres {
            use super::*;
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
                async fn $behaviour() {
                    with_postgres(concat!("sp_", stringify!($behaviour)), |target| {
                        Box::pin(async move {
                            let source = TempSqlite::new().await;
                            ntm_store_conformance::$behaviour(source.store(), &*target).await;
                        })
                    })
                    .await;
                }
            )+
        }

        mod postgres_to_sqlite {
            use super::*;
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
                async fn $behaviour() {
                    with_postgres(concat!("ps_", stringify!($behaviour)), |source| {
                        Box::pin(async move {
                            let target = TempSqlite::new().await;
                            ntm_store_conformance::$behaviour(&*source, target.store()).await;
                        })
                    })
                    .await;
                }
            )+
        }

        mod postgres_to_postgres {
            use super::*;
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
                async fn $behaviour() {
                    with_postgres(concat!("pp_from_", stringify!($behaviour)), |source| {
                        Box::pin(async move {
                            with_postgres(concat!("pp_to_", stringify!($behaviour)), move |target| {
                                Box::pin(async move {
                                    ntm_store_conformance::$behaviour(&*source, &*target).await;
                                })
                            })
                            .await;
                        })
                    })
                    .await;
                }
            )+
        }

        #[test]
        fn every_copy_behaviour_is_listed() {
            assert_eq!(
                [$(stringify!($behaviour)),+].as_slice(),
                ntm_store_conformance::COPY_BEHAVIOURS
            );
        }
    };
}

copies!(
    copy_holds_every_row_and_refuses_a_used_target,
    copy_reads_one_snapshot,
);
