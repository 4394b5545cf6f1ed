//! `oura dashboard`: charts of an export's daily metrics in one self-contained HTML file.

use crate::cli::DashboardArgs;
use crate::failure::Failure;

/// Runs `oura dashboard`.
pub async fn run(args: &DashboardArgs) -> Result<(), Failure> {
    let _ = args;
    Err(Failure::usage("not yet"))
}
