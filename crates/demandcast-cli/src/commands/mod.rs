//! One file per subcommand. Each `run` takes resolved settings and does the work.

pub mod append;
pub mod backtest;
pub mod coldstart;
pub mod embed;
pub mod finetune;
pub mod finetune_text;
pub mod fit;
pub mod forecast;
pub mod import_m5;
pub mod models;
pub mod plan;
pub mod pretrain;
pub mod runs;
pub mod serve;
pub mod simulate;
pub mod text_features;
pub mod text_regressor;
