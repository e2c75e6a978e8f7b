//! One module per command, which exposes its `Args` and `run`; `start` and `stop`,
//! one operation, share `power` (its `StartArgs`, `StopArgs`, `start` and `stop`).

pub mod backup;
pub mod change;
pub mod completion;
pub mod create;
pub mod delete;
pub mod doctor;
pub mod events;
pub mod list;
pub mod logs;
pub mod migrate;
pub mod output_file;
pub mod power;
pub mod report;
pub mod restore;
pub mod scale;
pub mod status;
#[cfg(test)]
pub mod test_flags;
pub mod upgrade;
pub mod version;
pub mod wait;
pub mod write;
