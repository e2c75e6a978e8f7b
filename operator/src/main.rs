use clap::Parser;

/// With `--features heap-profile`, every allocation is recorded and
/// `dhat-heap.json` (view it in DHAT's viewer) is written when the operator exits
/// on a signal: the heap at its peak, by allocation site.
#[cfg(feature = "heap-profile")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    #[cfg(feature = "heap-profile")]
    let _profiler = dhat::Profiler::new_heap();
    odoo_operator::cli::Cli::parse().run().await
}
