//! Checks over the source tree and the documents: what the IAM policies grant against what the code calls.
//!
//! One test binary per level, so the crate and the AWS SDK are linked once per level
//! rather than once per file; each file is a module, run one with
//! `cargo test --test lint <module>::`.

mod iam_policy;
