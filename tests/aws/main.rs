//! The AWS side through the real SDK: typed SDK mocks (aws-smithy-mocks) and moto on loopback.
//!
//! One test binary per level, so the crate and the AWS SDK are linked once per level
//! rather than once per file; each file is a module, run one with
//! `cargo test --test aws <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod accounts_act;
mod aws_accounts;
mod aws_actions_mocks;
mod aws_mocks;
mod aws_moto;
mod aws_readiness;
mod aws_runbooks;
mod lag_history_mocks;
mod rds_listing;
