//! One module per command; each exposes its `Args` and `run`.

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
pub mod report;
pub mod restore;
pub mod scale;
pub mod start;
pub mod status;
pub mod stop;
#[cfg(test)]
pub mod test_flags;
pub mod upgrade;
pub mod version;
pub mod wait;
pub mod write;
